import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets, derivedFiles } from "../../lib/media-db/schema";
import { api, registerUser, verifiedUser } from "../../test-support/api";
import { seedAsset } from "../../test-support/assets";
import { sampleJpeg, sampleVideo } from "../../test-support/media";
import { finishFailed } from "../../transcoder/transcode-outcome";
import { growAsset, storageUsage } from "./storage-quota";

const usageOf = async (token: string) =>
	(await (await api("/api/users/me/storage", { token })).json()) as { usedBytes: number; quotaBytes: number };

function videoForm(bytes: Uint8Array, name: string) {
	const f = new FormData();
	f.append("file", new File([bytes], name, { type: "video/mp4" }));
	return f;
}

describe("the storage quota's invariant: what an account can store and read back never exceeds it", () => {
	it("shows the owner their usage and quota", async () => {
		const s = await registerUser();
		expect(await usageOf(s.accessToken)).toEqual({ usedBytes: 0, quotaBytes: Number(env.STORAGE_QUOTA_BYTES_PER_USER) });
		const video = await seedAsset({ bytes: sampleVideo(), kind: "video", ownerId: s.user.id });
		expect((await usageOf(s.accessToken)).usedBytes).toBe(sampleVideo().length);
		expect((await api("/api/users/me/storage")).status).toBe(401);
		expect(video.id).toBeTruthy();
	});

	it("counts what was derived from an upload (a near-still source can make a large ladder), but a live recording's segments once", async () => {
		const s = await verifiedUser();
		const video = await seedAsset({ bytes: sampleVideo(), kind: "video", ownerId: s.user.id });
		const at = "2026-12-01T00:00:00Z";
		await mediaDb(env)
			.insert(derivedFiles)
			.values({
				r2Key: `${video.key}/hls/0/seg.m4s`,
				assetId: video.id,
				role: "rendition",
				contentType: "video/mp4",
				bytes: 5000,
				createdAt: at,
			});
		expect((await usageOf(s.accessToken)).usedBytes).toBe(sampleVideo().length + 5000);
		const live = await api("/api/live", { method: "POST", token: s.accessToken });
		const recording = ((await live.json()) as { videoId: string }).videoId;
		await growAsset(env, { id: recording, ownerId: s.user.id }, 700);
		await mediaDb(env)
			.insert(derivedFiles)
			.values({
				r2Key: `live/${recording}/seg.ts`,
				assetId: recording,
				role: "rendition",
				contentType: "video/mp2t",
				bytes: 700,
				createdAt: at,
			});
		expect((await usageOf(s.accessToken)).usedBytes).toBe(sampleVideo().length + 5000 + 700);
	});

	it("deletes a failed video's bytes at once: no source URL, nothing in R2, nothing counted", async () => {
		const s = await registerUser();
		const video = await seedAsset({ bytes: sampleVideo(), kind: "video", ownerId: s.user.id, status: "processing" });
		const derived = `${video.key.slice(0, -".mp4".length)}/hls/0/seg-0.m4s`;
		await env.MEDIA.put(derived, "a segment published before the failure");
		await mediaDb(env).insert(derivedFiles).values({
			r2Key: derived,
			assetId: video.id,
			role: "rendition",
			contentType: "video/mp4",
			bytes: 38,
			createdAt: "2026-12-01T00:00:00Z",
		});

		await finishFailed(env, mediaDb(env), { id: video.id, ownerId: s.user.id }, "encode_failed", "damaged");

		expect(await env.MEDIA.head(video.key)).toBeNull();
		expect(await env.MEDIA.head(derived)).toBeNull();
		const status = (await (await api(`/api/videos/${video.id}/status`, { token: s.accessToken })).json()) as Record<string, unknown>;
		expect(status).toMatchObject({ status: "failed", source: null, hls: null, error: { code: "encode_failed" } });
		expect(await usageOf(s.accessToken)).toMatchObject({ usedBytes: 0 });
	});

	it("lets only as many parallel uploads through as there is room for", async () => {
		const s = await registerUser();
		const video = sampleVideo();
		// Room for one video (and its multipart framing), not two.
		const vars = { STORAGE_QUOTA_BYTES_PER_USER: String(Math.floor(video.length * 1.5)) };
		const send = (name: string) => api("/api/videos/upload", { method: "POST", token: s.accessToken, body: videoForm(video, name) }, vars);
		const answers = await Promise.all([send("a.mp4"), send("b.mp4"), send("c.mp4"), send("d.mp4")]);
		const statuses = answers.map((r) => r.status).sort();
		expect(statuses).toEqual([202, 413, 413, 413]);
		const stored = await mediaDb(env).select().from(assets).where(eq(assets.ownerId, s.user.id));
		expect(stored.map((a) => [a.status, a.bytes])).toEqual([["queued", video.length]]);
		expect((await storageUsage({ ...env, ...vars }, s.user.id)).usedBytes).toBeLessThanOrEqual(Number(vars.STORAGE_QUOTA_BYTES_PER_USER));
	});

	it("counts resumable uploads from their creation, so parallel creations cannot share the same room", async () => {
		const s = await registerUser();
		const jpeg = sampleJpeg();
		const vars = { STORAGE_QUOTA_BYTES_PER_USER: String(jpeg.length * 3) };
		const create = () =>
			api(
				"/api/uploads/tus",
				{ method: "POST", token: s.accessToken, headers: { "tus-resumable": "1.0.0", "upload-length": String(jpeg.length * 2) } },
				vars,
			);
		const statuses = (await Promise.all([create(), create(), create()])).map((r) => r.status).sort();
		expect(statuses).toEqual([201, 413, 413]);
		expect((await usageOf(s.accessToken)).usedBytes).toBe(jpeg.length * 2);
	});

	it("grows a live recording only while the owner has room", async () => {
		const s = await registerUser();
		const recording = await seedAsset({ bytes: new Uint8Array(100), kind: "video", ownerId: s.user.id, status: "processing" });
		const small = { ...env, STORAGE_QUOTA_BYTES_PER_USER: "1000" };
		expect(await growAsset(small, { id: recording.id, ownerId: s.user.id }, 800)).toBe(true);
		expect(await growAsset(small, { id: recording.id, ownerId: s.user.id }, 101)).toBe(false);
		expect((await storageUsage(small, s.user.id)).usedBytes).toBe(900);
	});
});
