// Direct creator uploads, the store: a one-time tus URL a team hands a creator's browser, so the
// browser uploads one video straight here, for the team's account, without any credential of its
// own (Cloudflare Stream's and Mux's direct creator uploads). The URL is the credential:
// `/api/uploads/direct/<videoId>.<secret>`, where only the secret's SHA-256 is stored. It opens
// one upload (its tus creation request: the upload session takes the video's id as its key, so
// there can be only one) before it expires; that upload's chunks then go to the same URL. Until bytes arrive the video exists
// only here (`pending_upload`); the hourly sweep marks unused ones `expired` and forgets them a week on.
import { and, count, eq, gt, lt } from "drizzle-orm";
import { hashOpaqueToken, newOpaqueToken } from "../../lib/auth/opaque-token";
import { uuidv7 } from "../../lib/ids/uuidv7";
import { mediaDb } from "../../lib/media-db/media-db";
import { type DirectUpload, directUploads } from "../../lib/media-db/schema";
import { HttpProblem } from "../../lib/problems/http-problem";

export const DIRECT_UPLOAD_BASE = "/api/uploads/direct";
/** Unused URLs one account may hold at once: each is a row, and an API key could mint them in a loop. */
export const MAX_PENDING_DIRECT_UPLOADS = 100;
/** How long an expired or used URL's row is kept (its video's status says why it never came). */
const KEEP_FINISHED_MS = 7 * 86_400_000;

const TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

export interface NewDirectUpload {
	videoId: string;
	/** Absolute: the creator's browser is on another site. */
	uploadUrl: string;
	expiresAt: string;
}

export async function createDirectUpload(
	env: Env,
	requestUrl: string,
	o: { ownerId: string; maxDurationS: number; maxBytes: number; expiresInS: number; meta: Record<string, string> },
): Promise<NewDirectUpload> {
	const db = mediaDb(env);
	// Unused and unexpired (an expired one the hourly sweep has not reached yet holds nothing). Read,
	// then inserted: requests racing past the cap by a few rows cost a few rows, which is all it guards.
	const [pending] = await db
		.select({ n: count() })
		.from(directUploads)
		.where(
			and(
				eq(directUploads.ownerId, o.ownerId),
				eq(directUploads.status, "pending_upload"),
				gt(directUploads.expiresAt, new Date().toISOString()),
			),
		);
	if ((pending?.n ?? 0) >= MAX_PENDING_DIRECT_UPLOADS) {
		throw new HttpProblem(
			429,
			"too_many_direct_uploads",
			`At most ${MAX_PENDING_DIRECT_UPLOADS} direct upload URLs may wait unused at once; they expire, or use them.`,
			{},
			{ "Retry-After": "60" },
		);
	}
	const videoId = uuidv7();
	const secret = newOpaqueToken();
	const now = new Date();
	const expiresAt = new Date(now.getTime() + o.expiresInS * 1000).toISOString();
	await db.insert(directUploads).values({
		id: videoId,
		ownerId: o.ownerId,
		secretHash: await hashOpaqueToken(secret),
		maxDurationS: o.maxDurationS,
		maxBytes: o.maxBytes,
		meta: o.meta,
		status: "pending_upload",
		expiresAt,
		createdAt: now.toISOString(),
	});
	return { videoId, uploadUrl: new URL(`${DIRECT_UPLOAD_BASE}/${videoId}.${secret}`, requestUrl).href, expiresAt };
}

const notFound = () => new HttpProblem(404, "upload_not_found", "No upload at that URL.");

/** The direct upload a URL token names, or 404 (a wrong secret is the same 404 as no upload: nothing to probe). */
export async function directUploadOf(env: Env, token: string): Promise<DirectUpload> {
	const m = TOKEN.exec(token);
	if (!m?.[1] || !m[2]) throw notFound();
	const row = await mediaDb(env).query.directUploads.findFirst({ where: eq(directUploads.id, m[1]) });
	if (!row) throw notFound();
	const presented = new TextEncoder().encode(await hashOpaqueToken(m[2]));
	const stored = new TextEncoder().encode(row.secretHash);
	if (presented.length !== stored.length || !crypto.subtle.timingSafeEqual(presented, stored)) throw notFound();
	return row;
}

/** 410 once the URL may no longer start its upload: unused past its expiry (swept or not yet). */
export function assertStartable(upload: DirectUpload, now = new Date()): void {
	if (upload.status === "expired" || (upload.status === "pending_upload" && upload.expiresAt <= now.toISOString())) {
		throw new HttpProblem(410, "direct_upload_expired", "This upload URL has expired; ask for a new one.");
	}
}

/** The URL's one use is made: `pending_upload` → `used` (the upload session keyed by its id is what holds it to one). */
export async function markUsed(env: Env, upload: DirectUpload): Promise<void> {
	await mediaDb(env)
		.update(directUploads)
		.set({ status: "used", usedAt: new Date().toISOString() })
		.where(and(eq(directUploads.id, upload.id), eq(directUploads.status, "pending_upload")));
}

/** Hourly: unused URLs past their expiry are `expired`; finished rows a week old are forgotten. */
export async function sweepDirectUploads(env: Env, now = new Date()): Promise<{ expired: number; forgotten: number }> {
	const db = mediaDb(env);
	const expired = await db
		.update(directUploads)
		.set({ status: "expired" })
		.where(and(eq(directUploads.status, "pending_upload"), lt(directUploads.expiresAt, now.toISOString())))
		.returning({ id: directUploads.id });
	const forgotten = await db
		.delete(directUploads)
		.where(lt(directUploads.expiresAt, new Date(now.getTime() - KEEP_FINISHED_MS).toISOString()))
		.returning({ id: directUploads.id });
	return { expired: expired.length, forgotten: forgotten.length };
}
