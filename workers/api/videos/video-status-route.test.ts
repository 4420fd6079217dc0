import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";
import { handleQueue } from "../../queue";
import { api, registerUser } from "../../test-support/api";
import { seedAsset } from "../../test-support/assets";
import { sampleVideo } from "../../test-support/media";

async function transcoded(status: "ready" | "processing" = "ready") {
	const owner = await registerUser();
	const { id, key } = await seedAsset({ bytes: sampleVideo(), kind: "video", status: "queued", ownerId: owner.user.id });
	if (status === "ready") {
		const batch = createMessageBatch("transcode-jobs", [
			{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: { kind: "transcode", assetId: id, sourceKey: key } },
		]);
		await handleQueue(batch, env);
	}
	return { owner, id, prefix: key.slice(0, -".mp4".length) };
}

describe("GET /api/videos/:id/status", () => {
	it("gives a ready video's ladder and playback URLs, which /cdn serves", async () => {
		const { owner, id, prefix } = await transcoded();
		const res = await api(`/api/videos/${id}/status`, { token: owner.accessToken });
		expect(res.status).toBe(200);
		const body = (await res.json()) as Record<string, unknown> & { hls: string; storyboard: string };
		// Signed: a video is public only through a public reel, and this one is in none.
		const signed = (path: string) =>
			expect.stringMatching(new RegExp(`^/cdn/s/\\d+\\.media-current\\.[A-Za-z0-9_-]{43}/${prefix}/${path}$`));
		expect(body).toEqual({
			id,
			status: "ready",
			progress: 1,
			renditions: [
				{
					width: 180,
					height: 320,
					bandwidth: expect.any(Number),
					codecs: expect.stringContaining("avc1"),
					playlist: signed("hls/0/playlist.m3u8"),
				},
			],
			hls: signed("hls/master.m3u8"),
			dash: signed("dash/manifest.mpd"),
			thumbnail: signed("thumb.jpg"),
			poster: signed("poster.jpg"),
			storyboard: signed("storyboard.vtt"),
			preview: signed("preview.mp4"),
			captions: [],
			source: expect.stringMatching(new RegExp(`^/cdn/s/\\d+\\.media-current\\.[A-Za-z0-9_-]{43}/${prefix}\\.mp4$`)),
			width: 180,
			height: 320,
			duration: 1,
			error: null,
			trim: null,
			meta: null,
		});
		// Unsigned, the same files are not served; the original only to its owner's signed URL.
		expect((await api(`/cdn/${prefix}/hls/master.m3u8`)).status).toBe(404);
		expect((await api(`/cdn/${prefix}.mp4`)).status).toBe(404);
		expect((await api(body.source as string)).status).toBe(200);
		const master = await api(body.hls);
		expect(master.status).toBe(200);
		expect(master.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
		expect(await master.text()).toContain("0/playlist.m3u8");
		const vtt = await api(body.storyboard);
		expect(vtt.headers.get("content-type")).toMatch(/^text\/vtt/);
		expect(await vtt.text()).toContain("storyboard.jpg#xywh=0,0,90,160");
		// The animated preview: a short muted MP4 a grid can loop.
		const preview = await api(body.preview as string);
		expect(preview.headers.get("content-type")).toBe("video/mp4");
		expect(Number(preview.headers.get("content-length"))).toBeLessThan(200 * 1024);
		await preview.arrayBuffer();
	});

	it("shows progress and no URLs while processing", async () => {
		const { owner, id } = await transcoded("processing");
		await mediaDb(env).update(assets).set({ status: "processing", progress: 0.42 }).where(eq(assets.id, id));
		const body = await (await api(`/api/videos/${id}/status`, { token: owner.accessToken })).json();
		expect(body).toMatchObject({ status: "processing", progress: 0.42, renditions: [], hls: null, dash: null, error: null });
	});

	it("explains a failure with a code and a sentence", async () => {
		const { owner, id } = await transcoded("processing");
		await mediaDb(env)
			.update(assets)
			.set({ status: "failed", errorCode: "no_video_stream", error: "The file has no video track." })
			.where(eq(assets.id, id));
		const body = await (await api(`/api/videos/${id}/status`, { token: owner.accessToken })).json();
		expect(body).toMatchObject({ status: "failed", error: { code: "no_video_stream", message: "The file has no video track." } });
	});

	it("is private to the uploader, and validates the id", async () => {
		const { id } = await transcoded("processing");
		const stranger = await registerUser();
		expect((await api(`/api/videos/${id}/status`, { token: stranger.accessToken })).status).toBe(404);
		expect((await api(`/api/videos/${id}/status`)).status).toBe(401);
		const bad = await api("/api/videos/not-a-uuid/status", { token: stranger.accessToken });
		expect(bad.status).toBe(400);
		expect(bad.headers.get("content-type")).toMatch(/problem\+json/);
	});
});
