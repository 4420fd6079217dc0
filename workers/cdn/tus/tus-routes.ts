import type { RouteConfig } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import { type Context, Hono } from "hono";
import type { AppEnv } from "../../lib/app/app-env";
import { withStackProblems } from "../../lib/app/request-stack";
import { requireAuth, type SignedInEnv } from "../../lib/auth/authenticate";
import { configOf } from "../../lib/config/config";
import { uuidv7 } from "../../lib/ids/uuidv7";
import type { UploadSession } from "../../lib/media-db/schema";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { enqueueTranscode } from "../../queue/enqueue-transcode";
import { announceVideoCreated } from "../../webhooks/webhook-events";
import { originalKeyFor } from "../cdn-key";
import { extensionAgrees, sniffMediaType } from "../upload/sniff-media-type";
import { reserveUploadSession } from "../upload/storage-quota";
import {
	checkChunkSize,
	integerHeader,
	parseUploadMetadata,
	requireTusResumable,
	TUS_CHUNK_BYTES,
	TUS_EXTENSIONS,
	TUS_VERSION,
} from "./tus-protocol";
import {
	advanceOffset,
	completeSession,
	findSession,
	openSessionCount,
	recordUploadingAsset,
	terminateSessionRows,
} from "./upload-session-store";

const BASE = "/api/uploads/tus";
export const tusHeaders = (extra: Record<string, string> = {}) => ({ "Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", ...extra });

/** The caller's own session, or 404 (someone else's upload is not revealed); 410 once it is over. */
async function sessionOf(c: Context<SignedInEnv>, allowFinished = false): Promise<UploadSession> {
	requireTusResumable(c.req.header("tus-resumable"));
	const id = c.req.param("id") ?? "";
	return sessionById(c.env, /^[0-9a-f-]{36}$/.test(id) ? id : undefined, c.var.auth.sub, allowFinished);
}

/** Session `id` of `ownerId`, or 404; 410 once it is over (unless `allowFinished`). */
export async function sessionById(env: Env, id: string | undefined, ownerId: string, allowFinished = false): Promise<UploadSession> {
	const session = id ? await findSession(env, id, ownerId) : undefined;
	if (!session) throw new HttpProblem(404, "upload_not_found", "No upload of yours at that URL.");
	if (!allowFinished && session.status !== "uploading") throw new HttpProblem(410, "upload_gone", `This upload is ${session.status}.`);
	return session;
}

/** First chunk: decide the type from its bytes, open the R2 multipart upload, record the asset. */
async function startStorage(
	env: Env,
	session: UploadSession,
	firstBytes: Uint8Array,
): Promise<{ key: string; uploadId: string; created: boolean }> {
	const type = sniffMediaType(firstBytes);
	if (type?.kind !== "video" || !extensionAgrees(session.filename ?? undefined, type)) {
		// Nothing of it is stored yet (no asset, no R2 upload): the session ends here.
		await terminateSessionRows(env, session.id, "unsupported_media_type");
		throw new HttpProblem(415, "unsupported_media_type", "Resumable uploads take MP4, MOV or WebM videos (decided from the bytes).");
	}
	const key = originalKeyFor(session.id, type.ext);
	const upload = await env.MEDIA.createMultipartUpload(key, { httpMetadata: { contentType: type.mimetype } });
	await recordUploadingAsset(env, session, { key, contentType: type.mimetype });
	return { key, uploadId: upload.uploadId, created: true };
}

/**
 * tus creation for `ownerId`: checks the declared length against the video limit, the owner's open
 * uploads and storage quota (the session holds Upload-Length of it from now on), and records the
 * session. A direct upload brings its own id and limits, and does not take one of the owner's open
 * upload slots (its URL was the budget: strangers holding URLs must not lock the owner out); a
 * signed-in creation gets a new id.
 */
export async function openSession<E extends AppEnv>(
	c: Context<E>,
	ownerId: string,
	{
		id = uuidv7(),
		maxDurationS = null,
		maxBytes = configOf(c.env).UPLOAD_MAX_VIDEO_BYTES,
		countsAsOpen = true,
	}: { id?: string; maxDurationS?: number | null; maxBytes?: number; countsAsOpen?: boolean } = {},
): Promise<string> {
	requireTusResumable(c.req.header("tus-resumable"));
	const length = integerHeader("Upload-Length", c.req.header("upload-length"));
	const max = Math.min(maxBytes, configOf(c.env).UPLOAD_MAX_VIDEO_BYTES);
	if (length === 0) throw new HttpProblem(400, "empty_file", "Upload-Length must be at least 1.");
	if (length > max) throw new HttpProblem(413, "file_too_large", `This upload is limited to ${max} bytes.`);
	const rawMetadata = c.req.header("upload-metadata") ?? "";
	const metadata = parseUploadMetadata(rawMetadata);
	const cap = configOf(c.env).TUS_MAX_OPEN_UPLOADS;
	if (countsAsOpen && (await openSessionCount(c.env, ownerId)) >= cap) {
		throw new HttpProblem(
			429,
			"too_many_open_uploads",
			`At most ${cap} resumable uploads may be open at once; finish or DELETE one.`,
			{},
			{
				"Retry-After": "60",
			},
		);
	}
	// Upload-Length is binding (a PATCH past it is refused): the session holds that much of the quota from now on.
	await reserveUploadSession(c.env, {
		id,
		ownerId,
		uploadLength: length,
		metadata: rawMetadata,
		filename: metadata.filename?.slice(0, 255) ?? null,
		maxDurationS,
	});
	return id;
}

/** tus OPTIONS: the protocol's version, extensions and the largest upload, for every tus URL. */
export function describeServer<E extends AppEnv>(c: Context<E>): Response {
	return c.body(
		null,
		204,
		tusHeaders({
			"Tus-Version": TUS_VERSION,
			"Tus-Extension": TUS_EXTENSIONS,
			"Tus-Max-Size": String(configOf(c.env).UPLOAD_MAX_VIDEO_BYTES),
		}),
	);
}

/** tus HEAD: how much of the upload is stored. */
export function describeSession<E extends AppEnv>(c: Context<E>, s: UploadSession): Response {
	if (s.status === "terminated" || s.status === "abandoned") throw new HttpProblem(410, "upload_gone", `This upload is ${s.status}.`);
	const headers: Record<string, string> = { "Upload-Offset": String(s.uploadOffset), "Upload-Length": String(s.uploadLength) };
	if (s.metadata) headers["Upload-Metadata"] = s.metadata;
	return c.body(null, 200, tusHeaders(headers));
}

/** tus PATCH: stores the next chunk as one R2 part; the last one completes the file and queues its transcode. */
export async function appendChunk<E extends AppEnv>(c: Context<E>, s: UploadSession): Promise<Response> {
	if (c.req.header("content-type") !== "application/offset+octet-stream") {
		throw new HttpProblem(415, "unsupported_media_type", "PATCH bodies are application/offset+octet-stream.");
	}
	const offset = integerHeader("Upload-Offset", c.req.header("upload-offset"));
	if (offset !== s.uploadOffset) {
		throw new HttpProblem(
			409,
			"offset_mismatch",
			`The upload is at ${s.uploadOffset}, not ${offset}; HEAD it and resume from there.`,
			{},
			tusHeaders({ "Upload-Offset": String(s.uploadOffset) }),
		);
	}
	const declared = integerHeader("Content-Length", c.req.header("content-length"));
	checkChunkSize(declared, offset, s.uploadLength);
	// One part: at most TUS_CHUNK_BYTES in memory, whatever the file's size.
	let bytes: Uint8Array;
	try {
		bytes = new Uint8Array(await c.req.arrayBuffer());
	} catch {
		// The connection was cut mid-chunk: nothing of this chunk is kept; the client resumes.
		throw new HttpProblem(400, "incomplete_chunk", "The chunk ended early; resume from the last offset.");
	}
	if (bytes.length !== declared) throw new HttpProblem(400, "incomplete_chunk", "The chunk ended early; resume from the last offset.");

	const storage = s.r2Key && s.r2UploadId ? { key: s.r2Key, uploadId: s.r2UploadId, created: false } : await startStorage(c.env, s, bytes);
	const upload = c.env.MEDIA.resumeMultipartUpload(storage.key, storage.uploadId);
	const part = await upload.uploadPart(offset / TUS_CHUNK_BYTES + 1, bytes);
	const newOffset = offset + bytes.length;
	const parts = [...s.parts, part];
	// Compare-and-set on the offset: of two racing PATCHes only one advances the upload.
	const advanced = await advanceOffset(c.env, s, offset, { to: newOffset, parts, r2Key: storage.key, r2UploadId: storage.uploadId });
	if (!advanced) {
		// Lost the race: a multipart upload this request opened would otherwise linger, unreferenced.
		if (storage.created) await upload.abort().catch(() => undefined);
		throw new HttpProblem(409, "offset_mismatch", "Another request moved this upload on; HEAD it and resume.");
	}

	if (newOffset === s.uploadLength) {
		await upload.complete(parts);
		await completeSession(c.env, s.id);
		// Told before the transcode is queued, so video.created is never behind the events that follow it.
		await announceVideoCreated(c.env, { id: s.id, ownerId: s.ownerId, bytes: s.uploadLength });
		await enqueueTranscode(c.env, { assetId: s.id, sourceKey: storage.key, ...(s.maxDurationS ? { maxSeconds: s.maxDurationS } : {}) });
	}
	return c.body(null, 204, tusHeaders({ "Upload-Offset": String(newOffset) }));
}

/** tus termination: aborts the R2 upload, so the session holds no room. */
export async function terminateSession<E extends AppEnv>(c: Context<E>, s: UploadSession): Promise<Response> {
	if (s.r2Key && s.r2UploadId) await c.env.MEDIA.resumeMultipartUpload(s.r2Key, s.r2UploadId).abort();
	// Nothing of it is stored (the multipart upload is aborted), so it holds no room.
	await terminateSessionRows(c.env, s.id);
	return c.body(null, 204, tusHeaders());
}

/**
 * tus 1.0 at /api/uploads/tus (core, creation, termination), stored as R2
 * multipart uploads with progress in D1. Every PATCH is one R2 part, so its
 * size is fixed (TUS_CHUNK_BYTES) except the last; an interrupted PATCH stores
 * nothing and the client resumes from the last whole chunk (HEAD).
 */
export const tusRoutes = new Hono<AppEnv>()
	.options(BASE, describeServer)
	.post(BASE, requireAuth(), async (c) => {
		const id = await openSession(c, c.var.auth.sub);
		return c.body(null, 201, tusHeaders({ Location: `${BASE}/${id}`, "Upload-Offset": "0" }));
	})
	// hono answers HEAD with the GET handler minus the body, which is what tus HEAD wants.
	.get(`${BASE}/:id`, requireAuth(), async (c) => describeSession(c, await sessionOf(c, true)))
	.patch(`${BASE}/:id`, requireAuth(), async (c) => appendChunk(c, await sessionOf(c)))
	.delete(`${BASE}/:id`, requireAuth(), async (c) => terminateSession(c, await sessionOf(c)));

const idParam = { params: z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) }) };
const tusHeaderDoc = "Send `Tus-Resumable: 1.0.0`. Chunks: exactly 5 MiB each, except the last.";

/** tus in /openapi.json (plain handlers: the protocol lives in headers). */
export const tusPathDocs: RouteConfig[] = (<RouteConfig[]>[
	{
		method: "options" as const,
		path: BASE,
		tags: ["uploads"],
		summary: "tus capabilities",
		responses: { 204: { description: "Tus-Version, Tus-Extension, Tus-Max-Size" } },
	},
	{
		method: "post" as const,
		path: BASE,
		tags: ["uploads"],
		summary: "Create a resumable video upload (tus creation)",
		description: `Upload-Length (bytes) and optional Upload-Metadata (filename, filetype). ${tusHeaderDoc}`,
		security: [{ bearer: [] }],
		responses: { 201: { description: "Created; Location is the upload URL" }, ...problemResponses(400, 401, 413, 429) },
	},
	{
		method: "head" as const,
		path: `${BASE}/{id}`,
		tags: ["uploads"],
		summary: "How much of the upload the server has (Upload-Offset)",
		security: [{ bearer: [] }],
		request: idParam,
		responses: {
			200: { description: "Upload-Offset, Upload-Length" },
			404: { description: "Not yours or unknown" },
			410: { description: "Terminated or abandoned" },
		},
	},
	{
		method: "patch" as const,
		path: `${BASE}/{id}`,
		tags: ["uploads"],
		summary: "Send the next chunk (application/offset+octet-stream)",
		description: tusHeaderDoc,
		security: [{ bearer: [] }],
		request: idParam,
		responses: {
			204: { description: "Stored; Upload-Offset is the new offset" },
			...problemResponses(400, 401, 404, 415),
			409: { description: "Upload-Offset is not the upload's" },
			410: { description: "Over" },
		},
	},
	{
		method: "delete" as const,
		path: `${BASE}/{id}`,
		tags: ["uploads"],
		summary: "Give up an upload (tus termination)",
		security: [{ bearer: [] }],
		request: idParam,
		responses: { 204: { description: "Terminated" }, 404: { description: "Not yours or unknown" } },
	},
]).map((route) =>
	// Every tus request but OPTIONS must name the protocol version (Tus-Resumable): 412 otherwise.
	withStackProblems(route.method === "options" ? route : { ...route, responses: { ...problemResponses(412), ...route.responses } }),
);
