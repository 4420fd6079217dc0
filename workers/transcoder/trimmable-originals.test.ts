import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { derivedPrefix } from "../cdn/cdn-key";
import { signedMediaUrl } from "../cdn/signing/media-url-signature";
import { mediaDb } from "../lib/media-db/media-db";
import { assets } from "../lib/media-db/schema";
import { api, registerUser } from "../test-support/api";
import { seedAsset } from "../test-support/assets";
import { inboxOf } from "../test-support/inbox";
import { sampleVideo } from "../test-support/media";
import { finishFailed } from "./transcode-outcome";
import { sweepTrimmableOriginals, TRIM_GRACE_SECONDS } from "./trimmable-originals";

const assetRow = (id: string) => mediaDb(env).query.assets.findFirst({ where: eq(assets.id, id) });
const HOUR = 3_600_000;

/**
 * A video of a real uploader that the transcoder refused; with `trim`, as too long but trimmable (3 s,
 * videos of 1 s at most). `whileProcessing` runs before it fails (its original is still readable then).
 */
async function refusedVideo(trim: boolean, whileProcessing?: (key: string) => Promise<void>) {
	const owner = await registerUser("Long video");
	const bytes = sampleVideo();
	const { id, key } = await seedAsset({ bytes, kind: "video", status: "processing", ownerId: owner.user.id });
	await whileProcessing?.(key);
	// What a failed attempt may have left: a segment in the video's folder.
	await env.MEDIA.put(`${derivedPrefix(key)}hls/0/seg-00001.m4s`, "segment");
	await finishFailed(
		env,
		mediaDb(env),
		{ id, ownerId: owner.user.id },
		"too_long",
		"The source is longer than 1s.",
		trim ? { durationMs: 3000, maxSeconds: 1 } : undefined,
	);
	return { owner, id, key, bytes: bytes.length };
}

const statusOf = async (token: string, id: string) =>
	(await (await api(`/api/videos/${id}/status`, { token })).json()) as {
		status: string;
		trim: { durationSeconds: number; maxSeconds: number; until: string } | null;
	};

describe("a too-long video kept to be trimmed", () => {
	it("keeps its original (still counted) for a day and says so in its status and its failure event; drops what the attempt made", async () => {
		const v = await refusedVideo(true);
		expect(await env.MEDIA.head(v.key)).not.toBeNull();
		expect((await env.MEDIA.list({ prefix: derivedPrefix(v.key) })).objects).toEqual([]);
		const row = await assetRow(v.id);
		expect(row).toMatchObject({ status: "failed", errorCode: "too_long", bytes: v.bytes, durationMs: 3000, trimMaxMs: 1000 });
		const left = Date.parse(row?.trimUntil ?? "") - Date.now();
		expect(left).toBeGreaterThan(TRIM_GRACE_SECONDS * 1000 - 60_000);
		expect(left).toBeLessThanOrEqual(TRIM_GRACE_SECONDS * 1000);

		const status = await statusOf(v.owner.accessToken, v.id);
		expect(status).toMatchObject({ status: "failed", trim: { durationSeconds: 3, maxSeconds: 1, until: row?.trimUntil } });
		const [event] = await inboxOf(v.owner.user.id, "TRANSCODE_FAILED");
		expect(event?.data).toMatchObject({ assetId: v.id, code: "too_long", trim: { durationSeconds: 3, maxSeconds: 1 } });
	});

	it("is not kept when the transcoder did not find it trimmable: its original goes at once and holds no room", async () => {
		const v = await refusedVideo(false);
		expect(await env.MEDIA.head(v.key)).toBeNull();
		expect(await assetRow(v.id)).toMatchObject({ status: "failed", bytes: 0, trimUntil: null });
		expect((await statusOf(v.owner.accessToken, v.id)).trim).toBeNull();
	});

	it("is read by nobody meanwhile, not even through a URL signed (and fetched) while it was processing", async () => {
		let url = "";
		await refusedVideo(true, async (key) => {
			url = await signedMediaUrl(env, key, 3600);
			const early = await api(url);
			expect(early.status).toBe(200);
			await early.arrayBuffer();
		});
		// Fetched before, so an edge copy would answer it now: originals are never kept at the edge.
		const res = await api(url);
		expect(res.status).toBe(404);
		await res.body?.cancel();
		// The same kind of URL for a video still processing is served: the refusal is the failure's.
		const processing = await seedAsset({ bytes: sampleVideo(), kind: "video", status: "processing" });
		const served = await api(await signedMediaUrl(env, processing.key, 3600));
		expect(served.status).toBe(200);
		await served.arrayBuffer();
	});

	it("takes a clip no longer than its limit (422 clip_too_long past it), and none once its grace is over", async () => {
		const v = await refusedVideo(true);
		const clip = (range: { start: number; end: number }) =>
			api(`/api/videos/${v.id}/clip`, { method: "POST", token: v.owner.accessToken, json: range });
		const over = await clip({ start: 0.5, end: 1.6 });
		expect(over.status).toBe(422);
		expect(await over.json()).toMatchObject({ code: "clip_too_long" });
		const pastEnd = await clip({ start: 2.5, end: 3.5 });
		expect(pastEnd.status).toBe(422);
		expect(await pastEnd.json()).toMatchObject({ code: "time_past_end" });

		await mediaDb(env)
			.update(assets)
			.set({ trimUntil: new Date(Date.now() - 1000).toISOString() })
			.where(eq(assets.id, v.id));
		const late = await clip({ start: 0, end: 0.8 });
		expect(late.status).toBe(409);
		expect(await late.json()).toMatchObject({ code: "video_not_ready" });
	});

	it("is deleted by the hourly sweep once its grace is over, and stops counting; one still in its grace is left", async () => {
		const due = await refusedVideo(true);
		const kept = await refusedVideo(true);
		const now = new Date(Date.now() + TRIM_GRACE_SECONDS * 1000 + HOUR);
		await mediaDb(env)
			.update(assets)
			.set({ trimUntil: new Date(now.getTime() + HOUR).toISOString() })
			.where(eq(assets.id, kept.id));
		expect(await sweepTrimmableOriginals(env, now.toISOString())).toBeGreaterThanOrEqual(1);
		expect(await env.MEDIA.head(due.key)).toBeNull();
		expect(await assetRow(due.id)).toMatchObject({ status: "failed", bytes: 0, trimUntil: null });
		expect(await env.MEDIA.head(kept.key)).not.toBeNull();
		expect(await assetRow(kept.id)).toMatchObject({ bytes: kept.bytes });
		// A second run finds nothing more of it.
		await sweepTrimmableOriginals(env, now.toISOString());
		expect(await env.MEDIA.head(kept.key)).not.toBeNull();
	});

	it("waits, past its grace, for a clip of it still being made (the clip's job reads it)", async () => {
		const parent = await refusedVideo(true);
		const clip = await seedAsset({ bytes: sampleVideo(), kind: "video", status: "queued", ownerId: parent.owner.user.id });
		await mediaDb(env).update(assets).set({ clipOf: parent.id, clipStartMs: 0, clipEndMs: 800 }).where(eq(assets.id, clip.id));
		const later = new Date(Date.now() + TRIM_GRACE_SECONDS * 1000 + HOUR).toISOString();
		await sweepTrimmableOriginals(env, later);
		expect(await env.MEDIA.head(parent.key)).not.toBeNull();
		await mediaDb(env).update(assets).set({ status: "ready" }).where(eq(assets.id, clip.id));
		await sweepTrimmableOriginals(env, later);
		expect(await env.MEDIA.head(parent.key)).toBeNull();
	});
});
