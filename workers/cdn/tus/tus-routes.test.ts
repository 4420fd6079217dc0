import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets, uploadSessions } from "../../lib/media-db/schema";
import { api, registerUser } from "../../test-support/api";
import { cleanupAbandonedUploads } from "./cleanup-abandoned-uploads";
import { TUS_CHUNK_BYTES } from "./tus-protocol";

const TUS = { "tus-resumable": "1.0.0" };
const b64 = (s: string) => btoa(s);

/** A fake MP4: a real ftyp box, then filler; `size` bytes. */
function mp4Bytes(size: number): Uint8Array {
	const bytes = new Uint8Array(size);
	bytes.set(new TextEncoder().encode("\0\0\0\x18ftypisom\0\0\0\0isomiso2"));
	for (let i = 32; i < size; i += 997) bytes[i] = i % 251;
	return bytes;
}

async function create(token: string, length: number, filename = "clip.mp4") {
	const res = await api("/api/uploads/tus", {
		method: "POST",
		token,
		headers: { ...TUS, "upload-length": String(length), "upload-metadata": `filename ${b64(filename)},filetype ${b64("video/mp4")}` },
	});
	expect(res.status).toBe(201);
	return res.headers.get("location") ?? "";
}

const patch = (token: string, url: string, offset: number, body: Uint8Array, headers: Record<string, string> = {}) =>
	api(url, {
		method: "PATCH",
		token,
		body,
		headers: {
			...TUS,
			"upload-offset": String(offset),
			"content-type": "application/offset+octet-stream",
			"content-length": String(body.length),
			...headers,
		},
	});

describe("tus 1.0 at /api/uploads/tus", () => {
	it("advertises its version, extensions and size limit", async () => {
		const res = await api("/api/uploads/tus", { method: "OPTIONS" });
		expect(res.status).toBe(204);
		expect(res.headers.get("tus-version")).toBe("1.0.0");
		expect(res.headers.get("tus-extension")).toBe("creation,termination");
		expect(Number(res.headers.get("tus-max-size"))).toBeGreaterThan(0);
	});

	it("creates, takes 5 MiB chunks, reports the offset on HEAD, completes into R2 and queues the video", async () => {
		const s = await registerUser();
		const file = mp4Bytes(TUS_CHUNK_BYTES * 2 + 1234);
		const url = await create(s.accessToken, file.length);
		expect(url).toMatch(/^\/api\/uploads\/tus\/[0-9a-f-]{36}$/);
		const first = await patch(s.accessToken, url, 0, file.slice(0, TUS_CHUNK_BYTES));
		expect(first.status).toBe(204);
		expect(first.headers.get("upload-offset")).toBe(String(TUS_CHUNK_BYTES));
		const head = await api(url, { method: "HEAD", token: s.accessToken, headers: TUS });
		expect(head.headers.get("upload-offset")).toBe(String(TUS_CHUNK_BYTES));
		expect(head.headers.get("upload-length")).toBe(String(file.length));
		expect(head.headers.get("upload-metadata")).toContain(`filename ${b64("clip.mp4")}`);
		expect(head.headers.get("cache-control")).toBe("no-store");
		expect((await patch(s.accessToken, url, TUS_CHUNK_BYTES, file.slice(TUS_CHUNK_BYTES, 2 * TUS_CHUNK_BYTES))).status).toBe(204);
		const last = await patch(s.accessToken, url, 2 * TUS_CHUNK_BYTES, file.slice(2 * TUS_CHUNK_BYTES));
		expect(last.headers.get("upload-offset")).toBe(String(file.length));

		const id = url.split("/").at(-1) ?? "";
		const asset = await mediaDb(env).query.assets.findFirst({ where: eq(assets.id, id) });
		expect(asset).toMatchObject({ kind: "video", status: expect.stringMatching(/queued|processing|failed/), bytes: file.length });
		const stored = await env.MEDIA.get(asset?.r2Key ?? "");
		const storedBytes = new Uint8Array((await stored?.arrayBuffer()) ?? new ArrayBuffer(0));
		expect(storedBytes.length).toBe(file.length);
		const digest = async (b: Uint8Array) => Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", b))).join(",");
		expect(await digest(storedBytes)).toBe(await digest(file));
		// Finished uploads take no more chunks.
		expect((await patch(s.accessToken, url, file.length, new Uint8Array(1))).status).toBe(410);
	});

	it("answers an offset that is not the upload's with 409 and the real offset", async () => {
		const s = await registerUser();
		const file = mp4Bytes(TUS_CHUNK_BYTES + 10);
		const url = await create(s.accessToken, file.length);
		const res = await patch(s.accessToken, url, 100, file.slice(0, TUS_CHUNK_BYTES));
		expect(res.status).toBe(409);
		expect(res.headers.get("upload-offset")).toBe("0");
		expect(await res.json()).toMatchObject({ code: "offset_mismatch" });
	});

	it("refuses a chunk of the wrong size, stating the R2 rule", async () => {
		const s = await registerUser();
		const file = mp4Bytes(TUS_CHUNK_BYTES * 2);
		const url = await create(s.accessToken, file.length);
		const res = await patch(s.accessToken, url, 0, file.slice(0, 1024 * 1024));
		expect(res.status).toBe(400);
		const body = (await res.json()) as { code: string; detail: string };
		expect(body.code).toBe("invalid_chunk_size");
		expect(body.detail).toContain("at least 5 MiB");
	});

	it("refuses what is not a video (decided from the bytes) and keeps nothing", async () => {
		const s = await registerUser();
		const text = new TextEncoder().encode("this is not a video at all, whatever its name says");
		const url = await create(s.accessToken, text.length, "movie.mp4");
		const res = await patch(s.accessToken, url, 0, text);
		expect(res.status).toBe(415);
		expect((await api(url, { method: "HEAD", token: s.accessToken, headers: TUS })).status).toBe(410);
		expect(await mediaDb(env).query.assets.findFirst({ where: eq(assets.ownerId, s.user.id) })).toBeUndefined();
	});

	it("terminates an upload on DELETE: its parts are aborted and it is gone", async () => {
		const s = await registerUser();
		const file = mp4Bytes(TUS_CHUNK_BYTES * 2);
		const url = await create(s.accessToken, file.length);
		await patch(s.accessToken, url, 0, file.slice(0, TUS_CHUNK_BYTES));
		expect((await api(url, { method: "DELETE", token: s.accessToken, headers: TUS })).status).toBe(204);
		expect((await api(url, { method: "HEAD", token: s.accessToken, headers: TUS })).status).toBe(410);
		const id = url.split("/").at(-1) ?? "";
		expect(await mediaDb(env).query.assets.findFirst({ where: eq(assets.id, id) })).toMatchObject({
			status: "failed",
			error: "upload_terminated",
		});
	});

	it("keeps uploads private, and insists on Tus-Resumable and sane headers", async () => {
		const owner = await registerUser();
		const other = await registerUser();
		const url = await create(owner.accessToken, 10);
		expect((await api(url, { method: "HEAD", token: other.accessToken, headers: TUS })).status).toBe(404);
		expect((await api(url, { method: "HEAD", token: owner.accessToken })).status).toBe(412);
		expect((await api("/api/uploads/tus", { method: "POST", headers: { ...TUS, "upload-length": "10" } })).status).toBe(401);
		for (const headers of [
			{ "upload-length": "-1" },
			{ "upload-length": "abc" },
			{},
			{ "upload-length": "10", "upload-metadata": "filename not-base64!" },
			{ "upload-length": "0" },
		]) {
			const res = await api("/api/uploads/tus", {
				method: "POST",
				token: owner.accessToken,
				headers: { ...TUS, ...(headers as Record<string, string>) },
			});
			expect(res.status, JSON.stringify(headers)).toBe(400);
		}
		const huge = await api("/api/uploads/tus", {
			method: "POST",
			token: owner.accessToken,
			headers: { ...TUS, "upload-length": String(10 ** 12) },
		});
		expect(huge.status).toBe(413);
		expect((await patch(owner.accessToken, url, 0, new Uint8Array(10), { "content-type": "application/json" })).status).toBe(415);
	});

	it("cleans up abandoned uploads on schedule: multipart aborted, asset failed", async () => {
		const s = await registerUser();
		const file = mp4Bytes(TUS_CHUNK_BYTES * 2);
		const url = await create(s.accessToken, file.length);
		await patch(s.accessToken, url, 0, file.slice(0, TUS_CHUNK_BYTES));
		const id = url.split("/").at(-1) ?? "";
		expect(await cleanupAbandonedUploads(env)).toBe(0);
		const cleaned = await cleanupAbandonedUploads(env, Date.now() + 25 * 3_600_000);
		expect(cleaned).toBeGreaterThanOrEqual(1);
		expect(await mediaDb(env).query.uploadSessions.findFirst({ where: eq(uploadSessions.id, id) })).toMatchObject({ status: "abandoned" });
		expect(await mediaDb(env).query.assets.findFirst({ where: eq(assets.id, id) })).toMatchObject({
			status: "failed",
			error: "upload_abandoned",
		});
		expect((await patch(s.accessToken, url, TUS_CHUNK_BYTES, file.slice(TUS_CHUNK_BYTES))).status).toBe(410);
	});

	it("cleans up more than one batch of abandoned uploads in one run", async () => {
		const owner = crypto.randomUUID();
		const old = new Date(Date.now() - 48 * 3_600_000).toISOString();
		const rows = Array.from({ length: 150 }, () => ({
			id: crypto.randomUUID(),
			ownerId: owner,
			uploadLength: 10,
			uploadOffset: 0,
			metadata: "",
			filename: null,
			parts: [],
			status: "uploading" as const,
			createdAt: old,
			updatedAt: old,
		}));
		for (let i = 0; i < rows.length; i += 10)
			await mediaDb(env)
				.insert(uploadSessions)
				.values(rows.slice(i, i + 10));
		expect(await cleanupAbandonedUploads(env)).toBeGreaterThanOrEqual(150);
		const left = await mediaDb(env).query.uploadSessions.findMany({
			where: and(eq(uploadSessions.ownerId, owner), eq(uploadSessions.status, "uploading")),
		});
		expect(left).toEqual([]);
	});

	// In-process the two requests do not interleave past the session read, so this checks the outcome
	// (one 204, one 409, the upload completes), not the race itself; see startStorage for why both may insert.
	it("answers a second first chunk 409, never 500, and the upload still completes", async () => {
		const s = await registerUser();
		const file = mp4Bytes(TUS_CHUNK_BYTES + 100);
		const url = await create(s.accessToken, file.length);
		const chunk = file.slice(0, TUS_CHUNK_BYTES);
		const statuses = (await Promise.all([patch(s.accessToken, url, 0, chunk), patch(s.accessToken, url, 0, chunk)])).map((r) => r.status);
		expect(statuses.sort()).toEqual([204, 409]);
		expect((await patch(s.accessToken, url, TUS_CHUNK_BYTES, file.slice(TUS_CHUNK_BYTES))).status).toBe(204);
		const id = url.split("/").at(-1) ?? "";
		expect(await mediaDb(env).query.assets.findFirst({ where: eq(assets.id, id) })).toMatchObject({ status: "queued" });
	});

	it("caps the resumable uploads one user may have open", async () => {
		const s = await registerUser();
		const vars = { TUS_MAX_OPEN_UPLOADS: "2" };
		const open = () => api("/api/uploads/tus", { method: "POST", token: s.accessToken, headers: { ...TUS, "upload-length": "100" } }, vars);
		expect((await open()).status).toBe(201);
		expect((await open()).status).toBe(201);
		const third = await open();
		expect(third.status).toBe(429);
		expect(await third.json()).toMatchObject({ code: "too_many_open_uploads" });
	});
});
