// Direct creator uploads: a one-time tus URL made with an API key (or a session) that a browser on
// any site uses without a credential, once, before it expires, for a video of the URL's owner,
// within the owner's storage quota. tus-js-client drives it end to end in tus-upload.e2e.test.ts.
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets, directUploads } from "../../lib/media-db/schema";
import { loggablePath } from "../../lib/observability/access-log";
import { api, GOOD_PASSWORD, registerUser, type Session } from "../../test-support/api";
import { json } from "../../test-support/reels";
import { cleanupAbandonedUploads } from "./cleanup-abandoned-uploads";
import { sweepDirectUploads } from "./direct-uploads";
import { TUS_CHUNK_BYTES } from "./tus-protocol";

const TUS = { "tus-resumable": "1.0.0" };
const SITE = "https://creators.example";

/** A fake MP4 (a real ftyp box, then filler): enough for the upload; the transcode is not waited for. */
function mp4Bytes(size: number): Uint8Array {
	const bytes = new Uint8Array(size);
	bytes.set(new TextEncoder().encode("\0\0\0\x18ftypisom\0\0\0\0isomiso2"));
	return bytes;
}

async function keyOf(owner: Session, scopes: string[]): Promise<string> {
	const res = await api("/api/keys", {
		method: "POST",
		token: owner.accessToken,
		json: { password: GOOD_PASSWORD, name: "server", scopes },
	});
	expect(res.status).toBe(201);
	return (await json<{ key: string }>(res)).key;
}

interface DirectUpload {
	videoId: string;
	uploadUrl: string;
	expiresAt: string;
}

async function directUpload(token: string, body: Record<string, unknown> = { maxDurationSeconds: 60 }): Promise<DirectUpload> {
	const res = await api("/api/videos/direct-upload", { method: "POST", token, json: body });
	expect(res.status, await res.clone().text()).toBe(201);
	return json<DirectUpload>(res);
}

/** A path of the URL, as a browser elsewhere would call it: no credential, its own origin. */
const pathOf = (url: string) => new URL(url).pathname;
const start = (url: string, length: number, headers: Record<string, string> = {}) =>
	api(pathOf(url), { method: "POST", headers: { ...TUS, origin: SITE, "upload-length": String(length), ...headers } });
const send = (url: string, offset: number, body: Uint8Array) =>
	api(pathOf(url), {
		method: "PATCH",
		body,
		headers: {
			...TUS,
			origin: SITE,
			"upload-offset": String(offset),
			"content-type": "application/offset+octet-stream",
			"content-length": String(body.length),
		},
	});
const statusOf = async (owner: Session, videoId: string) =>
	json<{ status: string; error: { code: string } | null }>(await api(`/api/videos/${videoId}/status`, { token: owner.accessToken }));

describe("POST /api/videos/direct-upload", () => {
	it("gives an API key with videos:write a one-time URL for a video that waits as pending_upload", async () => {
		const owner = await registerUser();
		const key = await keyOf(owner, ["videos:write", "videos:read"]);
		const before = Date.now();
		const made = await directUpload(key, { maxDurationSeconds: 30, meta: { creator: "c-42" } });
		expect(made.uploadUrl).toBe(`http://x/api/uploads/direct/${made.videoId}.${made.uploadUrl.split(".").pop()}`);
		expect(made.uploadUrl).toMatch(/^http:\/\/x\/api\/uploads\/direct\/[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
		const expires = Date.parse(made.expiresAt) - before;
		expect(expires).toBeGreaterThan(1790_000);
		expect(expires).toBeLessThan(1810_000);
		expect(await statusOf(owner, made.videoId)).toMatchObject({ status: "pending_upload", error: null, meta: { creator: "c-42" } });
		// Only the secret's hash is kept.
		const row = await mediaDb(env).query.directUploads.findFirst({ where: eq(directUploads.id, made.videoId) });
		expect(row).toMatchObject({ ownerId: owner.user.id, maxDurationS: 30, meta: { creator: "c-42" }, status: "pending_upload" });
		expect(row?.secretHash).not.toContain(made.uploadUrl.split(".").pop());
	});

	it("is refused to a key without videos:write, to no one signed in, and for bad bounds", async () => {
		const owner = await registerUser();
		const reader = await keyOf(owner, ["videos:read"]);
		const refused = await api("/api/videos/direct-upload", { method: "POST", token: reader, json: { maxDurationSeconds: 60 } });
		expect(refused.status).toBe(403);
		expect((await json<{ code: string }>(refused)).code).toBe("insufficient_scope");
		expect((await api("/api/videos/direct-upload", { method: "POST", json: { maxDurationSeconds: 60 } })).status).toBe(401);
		for (const body of [
			{},
			{ maxDurationSeconds: 0 },
			{ maxDurationSeconds: 3601 },
			{ maxDurationSeconds: 1.5 },
			{ maxDurationSeconds: 60, expiresInSeconds: 59 },
			{ maxDurationSeconds: 60, expiresInSeconds: 6 * 3600 + 1 },
			{ maxDurationSeconds: 60, meta: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) },
			{ maxDurationSeconds: 60, meta: { "bad key": "v" } },
			{ maxDurationSeconds: 60, extra: true },
		]) {
			const res = await api("/api/videos/direct-upload", { method: "POST", token: owner.accessToken, json: body });
			expect(res.status, JSON.stringify(body)).toBe(400);
		}
	});

	it("holds an account to 100 unused URLs at once", async () => {
		const owner = await registerUser();
		const now = new Date().toISOString();
		const later = new Date(Date.now() + 3_600_000).toISOString();
		const rows = Array.from({ length: 100 }, () => ({
			id: crypto.randomUUID(),
			ownerId: owner.user.id,
			secretHash: "x",
			maxDurationS: 60,
			maxBytes: 1,
			meta: {},
			status: "pending_upload" as const,
			expiresAt: later,
			createdAt: now,
		}));
		for (let i = 0; i < rows.length; i += 10)
			await mediaDb(env)
				.insert(directUploads)
				.values(rows.slice(i, i + 10));
		const res = await api("/api/videos/direct-upload", { method: "POST", token: owner.accessToken, json: { maxDurationSeconds: 60 } });
		expect(res.status).toBe(429);
		expect((await json<{ code: string }>(res)).code).toBe("too_many_direct_uploads");
	});
});

describe("a direct upload URL", () => {
	it("takes one upload from any site without a credential, for a video of the URL's owner", async () => {
		const owner = await registerUser();
		const made = await directUpload(owner.accessToken);
		const file = mp4Bytes(TUS_CHUNK_BYTES + 4321);
		const created = await start(made.uploadUrl, file.length);
		expect(created.status).toBe(201);
		expect(created.headers.get("access-control-allow-origin")).toBe("*");
		expect(created.headers.get("access-control-expose-headers")).toContain("Location");
		expect(created.headers.get("location")).toBe(made.uploadUrl);
		expect(await statusOf(owner, made.videoId)).toMatchObject({ status: "uploading" });
		expect((await send(made.uploadUrl, 0, file.slice(0, TUS_CHUNK_BYTES))).status).toBe(204);
		const head = await api(pathOf(made.uploadUrl), { method: "HEAD", headers: TUS });
		expect(head.headers.get("upload-offset")).toBe(String(TUS_CHUNK_BYTES));
		const last = await send(made.uploadUrl, TUS_CHUNK_BYTES, file.slice(TUS_CHUNK_BYTES));
		expect(last.status).toBe(204);
		const asset = await mediaDb(env).query.assets.findFirst({ where: and(eq(assets.id, made.videoId)) });
		expect(asset).toMatchObject({ ownerId: owner.user.id, kind: "video", bytes: file.length, access: "signed" });
		// Used: a second upload is refused, and so is writing past the end of the first.
		const again = await start(made.uploadUrl, 10);
		expect(again.status).toBe(409);
		expect((await json<{ code: string }>(again)).code).toBe("direct_upload_used");
		expect((await send(made.uploadUrl, file.length, new Uint8Array(10))).status).toBe(410);
	});

	it("answers a browser's preflight from any origin", async () => {
		const made = await directUpload((await registerUser()).accessToken);
		const res = await api(pathOf(made.uploadUrl), {
			method: "OPTIONS",
			headers: {
				origin: SITE,
				"access-control-request-method": "PATCH",
				"access-control-request-headers": "tus-resumable,upload-offset,content-type",
			},
		});
		expect(res.status).toBe(204);
		expect(res.headers.get("access-control-allow-origin")).toBe("*");
		expect(res.headers.get("access-control-allow-methods")).toContain("PATCH");
		expect(res.headers.get("access-control-allow-credentials")).toBeNull();
	});

	it("is the same 404 with a wrong secret, a wrong id or a malformed token, and never logs its secret", async () => {
		const made = await directUpload((await registerUser()).accessToken);
		const [base, secret] = made.uploadUrl.split(/\.(?=[^.]+$)/) as [string, string];
		const flipped = `${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`;
		for (const url of [`${base}.${flipped}`, `http://x/api/uploads/direct/${crypto.randomUUID()}.${secret}`, `${base}`, `${base}.short`]) {
			const res = await start(url, 10);
			expect(res.status, url).toBe(404);
			expect((await json<{ code: string }>(res)).code).toBe("upload_not_found");
		}
		// Nothing was used up by the wrong tries.
		expect((await start(made.uploadUrl, 10)).status).toBe(201);
		expect(loggablePath(pathOf(made.uploadUrl))).toBe(`/api/uploads/direct/${made.videoId}.:secret`);
	});

	it("expires unused: 410, a failed video, and the sweep marks it", async () => {
		const owner = await registerUser();
		const made = await directUpload(owner.accessToken, { maxDurationSeconds: 60, expiresInSeconds: 60 });
		await mediaDb(env)
			.update(directUploads)
			.set({ expiresAt: new Date(Date.now() - 1000).toISOString() })
			.where(eq(directUploads.id, made.videoId));
		const res = await start(made.uploadUrl, 10);
		expect(res.status).toBe(410);
		expect((await json<{ code: string }>(res)).code).toBe("direct_upload_expired");
		expect(await statusOf(owner, made.videoId)).toMatchObject({ status: "failed", error: { code: "direct_upload_expired" } });
		await sweepDirectUploads(env);
		const row = await mediaDb(env).query.directUploads.findFirst({ where: eq(directUploads.id, made.videoId) });
		expect(row?.status).toBe("expired");
		// A week on, it is forgotten: the video is no more.
		await sweepDirectUploads(env, new Date(Date.now() + 8 * 86_400_000));
		expect(await mediaDb(env).query.directUploads.findFirst({ where: eq(directUploads.id, made.videoId) })).toBeUndefined();
		expect((await api(`/api/videos/${made.videoId}/status`, { token: owner.accessToken })).status).toBe(404);
	});

	it("answers a repeated creation (its 201 lost on the way) the same, until a byte arrives", async () => {
		const made = await directUpload((await registerUser()).accessToken);
		expect((await start(made.uploadUrl, 5000)).status).toBe(201);
		const again = await start(made.uploadUrl, 5000);
		expect(again.status).toBe(201);
		expect(again.headers.get("location")).toBe(made.uploadUrl);
		// Another length is another upload: refused.
		expect((await start(made.uploadUrl, 6000)).status).toBe(409);
		expect((await send(made.uploadUrl, 0, mp4Bytes(5000))).status).toBe(204);
		expect((await start(made.uploadUrl, 5000)).status).toBe(409);
	});

	it("holds the uploader to the URL's size, not the owner's open-upload slots or the address's hourly quota", async () => {
		const owner = await registerUser();
		const made = await directUpload(owner.accessToken, { maxDurationSeconds: 60, maxSizeBytes: 4000 });
		const tooBig = await start(made.uploadUrl, 4001);
		expect(tooBig.status).toBe(413);
		expect((await json<{ code: string }>(tooBig)).code).toBe("file_too_large");
		// The owner's one open upload slot is taken; a stranger's address has one request an hour left.
		const tight = { TUS_MAX_OPEN_UPLOADS: "1", QUOTA_ANON_PER_HOUR: "1" } as Partial<Env>;
		const own = await api(
			"/api/uploads/tus",
			{ method: "POST", token: owner.accessToken, headers: { ...TUS, "upload-length": "100" } },
			tight,
		);
		expect(own.status).toBe(201);
		const ip = { "cf-connecting-ip": "10.9.8.7" };
		const path = pathOf(made.uploadUrl);
		expect((await api(path, { method: "POST", headers: { ...TUS, ...ip, "upload-length": "4000" } }, tight)).status).toBe(201);
		expect((await api(path, { method: "HEAD", headers: { ...TUS, ...ip } }, tight)).status).toBe(200);
		expect((await api(path, { method: "HEAD", headers: { ...TUS, ...ip } }, tight)).status).toBe(200);
		// The owner's own next upload is refused by its slots, as before.
		expect(
			(await api("/api/uploads/tus", { method: "POST", token: owner.accessToken, headers: { ...TUS, "upload-length": "100" } }, tight))
				.status,
		).toBe(429);
		expect(
			(
				await api("/api/videos/direct-upload", {
					method: "POST",
					token: owner.accessToken,
					json: { maxDurationSeconds: 60, maxSizeBytes: 1e15 },
				})
			).status,
		).toBe(400);
	});

	it("says what became of a video whose upload ended before any bytes were kept, and forgets a deleted one", async () => {
		const owner = await registerUser();
		const given = await directUpload(owner.accessToken);
		expect((await start(given.uploadUrl, 5000)).status).toBe(201);
		expect((await api(pathOf(given.uploadUrl), { method: "DELETE", headers: TUS })).status).toBe(204);
		expect(await statusOf(owner, given.videoId)).toMatchObject({ status: "failed", error: { code: "upload_terminated" } });

		// Idle for an hour: abandoned (a URL's holder cannot keep the owner's room for a day).
		const idle = await directUpload(owner.accessToken);
		expect((await start(idle.uploadUrl, 5000)).status).toBe(201);
		await cleanupAbandonedUploads(env, Date.now() + 61 * 60_000);
		expect(await statusOf(owner, idle.videoId)).toMatchObject({ status: "failed", error: { code: "upload_abandoned" } });

		const sent = await directUpload(owner.accessToken);
		const file = mp4Bytes(5000);
		expect((await start(sent.uploadUrl, file.length)).status).toBe(201);
		expect((await send(sent.uploadUrl, 0, file)).status).toBe(204);
		expect((await api(`/api/assets/${sent.videoId}`, { method: "DELETE", token: owner.accessToken })).status).toBe(200);
		expect((await api(`/api/videos/${sent.videoId}/status`, { token: owner.accessToken })).status).toBe(404);
	});

	it("counts against the owner's storage quota, and a refused start leaves the URL to try again", async () => {
		const owner = await registerUser();
		const made = await directUpload(owner.accessToken);
		const small = { STORAGE_QUOTA_BYTES_PER_USER: "1000" } as Partial<Env>;
		const tooBig = await api(pathOf(made.uploadUrl), { method: "POST", headers: { ...TUS, "upload-length": "5000" } }, small);
		expect(tooBig.status).toBe(413);
		expect((await json<{ code: string }>(tooBig)).code).toBe("storage_quota_exceeded");
		expect(await statusOf(owner, made.videoId)).toMatchObject({ status: "pending_upload" });
		const fits = await api(pathOf(made.uploadUrl), { method: "POST", headers: { ...TUS, "upload-length": "900" } }, small);
		expect(fits.status).toBe(201);
	});
});
