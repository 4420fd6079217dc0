// The tus endpoint behind a direct upload URL (/api/uploads/direct/<videoId>.<secret>): the URL is
// the credential, so no token is asked for, and any origin may use it (a creator's browser is on
// the team's site: CORS in lib/http/media-headers.ts). Its creation request opens the one upload
// for the URL's owner, with the URL's video id and duration limit; HEAD, PATCH and DELETE then go
// to the same URL and work as for any tus upload (tus-routes.ts).
import type { RouteConfig } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import { type Context, Hono } from "hono";
import type { AppEnv } from "../../lib/app/app-env";
import { withStackProblems } from "../../lib/app/request-stack";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { assertStartable, DIRECT_UPLOAD_BASE, directUploadOf, markUsed } from "./direct-uploads";
import { appendChunk, describeServer, describeSession, openSession, sessionById, terminateSession, tusHeaders } from "./tus-routes";
import { findSession } from "./upload-session-store";

const PATH = `${DIRECT_UPLOAD_BASE}/:token`;
const used = () => new HttpProblem(409, "direct_upload_used", "This upload URL was used already: it opens one upload.");

/** The upload session this URL opened, or 404 (none yet: send the creation request first). */
async function sessionOfUrl(c: Context<AppEnv>, allowFinished = false) {
	const upload = await directUploadOf(c.env, c.req.param("token") ?? "");
	return sessionById(c.env, upload.id, upload.ownerId, allowFinished);
}

export const directUploadTusRoutes = new Hono<AppEnv>()
	.options(PATH, describeServer)
	.post(PATH, async (c) => {
		const upload = await directUploadOf(c.env, c.req.param("token"));
		const created = () => c.body(null, 201, tusHeaders({ Location: new URL(c.req.path, c.req.url).href, "Upload-Offset": "0" }));
		if (upload.status === "used") {
			// The same creation again (its 201 was lost on the way): the same answer, while nothing is sent yet.
			const session = await findSession(c.env, upload.id, upload.ownerId);
			const repeat =
				session?.status === "uploading" && session.uploadOffset === 0 && String(session.uploadLength) === c.req.header("upload-length");
			if (repeat) return created();
			throw used();
		}
		// Checked before the session is made, and claimed after: a refused creation (no room in the
		// owner's quota, a bad header) leaves the URL unused, to try again. The session's key is the
		// video id, so of two racing creations only one can make it.
		assertStartable(upload);
		try {
			await openSession(c, upload.ownerId, {
				id: upload.id,
				maxDurationS: upload.maxDurationS,
				maxBytes: upload.maxBytes,
				countsAsOpen: false,
			});
		} catch (err) {
			if (err instanceof Error && /UNIQUE constraint failed/i.test(err.message)) throw used();
			throw err;
		}
		await markUsed(c.env, upload);
		return created();
	})
	.get(PATH, async (c) => describeSession(c, await sessionOfUrl(c, true)))
	.patch(PATH, async (c) => appendChunk(c, await sessionOfUrl(c)))
	.delete(PATH, async (c) => terminateSession(c, await sessionOfUrl(c)));

const tokenParam = {
	params: z.object({ token: z.string().openapi({ param: { name: "token", in: "path" }, description: "`<videoId>.<secret>`" }) }),
};
const doc = "The URL from POST /api/videos/direct-upload; no token. Send `Tus-Resumable: 1.0.0`; chunks of exactly 5 MiB, except the last.";

/** The direct upload URL in /openapi.json (plain handlers: the protocol lives in headers). */
export const directUploadPathDocs: RouteConfig[] = (<RouteConfig[]>[
	{
		method: "options" as const,
		path: `${DIRECT_UPLOAD_BASE}/{token}`,
		tags: ["uploads"],
		summary: "tus capabilities of a direct upload URL",
		request: tokenParam,
		responses: { 204: { description: "Tus-Version, Tus-Extension, Tus-Max-Size" } },
	},
	{
		method: "post" as const,
		path: `${DIRECT_UPLOAD_BASE}/{token}`,
		tags: ["uploads"],
		summary: "Start the one upload a direct upload URL allows (tus creation)",
		description: `${doc} Upload-Length (bytes) and optional Upload-Metadata. Location is this same URL.`,
		request: tokenParam,
		responses: {
			201: { description: "Created; Location is where the chunks go (this URL)" },
			...problemResponses(400, 404, 409, 410, 412, 413, 429),
		},
	},
	{
		method: "head" as const,
		path: `${DIRECT_UPLOAD_BASE}/{token}`,
		tags: ["uploads"],
		summary: "How much of a direct upload the server has (Upload-Offset)",
		request: tokenParam,
		responses: { 200: { description: "Upload-Offset, Upload-Length" }, ...problemResponses(404, 410, 412) },
	},
	{
		method: "patch" as const,
		path: `${DIRECT_UPLOAD_BASE}/{token}`,
		tags: ["uploads"],
		summary: "Send the next chunk of a direct upload (application/offset+octet-stream)",
		description: doc,
		request: tokenParam,
		responses: {
			204: { description: "Stored; Upload-Offset is the new offset" },
			...problemResponses(400, 404, 409, 410, 412, 415),
		},
	},
	{
		method: "delete" as const,
		path: `${DIRECT_UPLOAD_BASE}/{token}`,
		tags: ["uploads"],
		summary: "Give up a direct upload (tus termination)",
		request: tokenParam,
		responses: { 204: { description: "Terminated" }, ...problemResponses(404, 410, 412) },
	},
]).map(withStackProblems);
