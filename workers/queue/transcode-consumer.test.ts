import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import worker from "../index";
import { leaseOwnerOf } from "../lib/media-db/asset-store";
import { mediaDb } from "../lib/media-db/media-db";
import { assets, renditions } from "../lib/media-db/schema";
import { api, registerUser } from "../test-support/api";
import { seedAsset } from "../test-support/assets";
import { inboxOf } from "../test-support/inbox";
import { sampleVideo } from "../test-support/media";
import { openedSocket, until } from "../test-support/sockets";
import { CopyHandedBack } from "../transcoder/publish-outputs";
import { EVENT_PLAYLIST_CACHE_CONTROL } from "../transcoder/publish-progressive";
import { transcoderClient } from "../transcoder/transcoder-client";
import { handleQueue } from ".";
import type { TranscodeJob } from "./messages";
import { backoffSeconds, COPY_DEADLINE_MS, DEFER_SECONDS, MAX_DEFERRALS, runTranscodeJob } from "./transcode-consumer";

const assetRow = (id: string) => mediaDb(env).query.assets.findFirst({ where: eq(assets.id, id) });

async function deliver(
	body: unknown,
	{ e = env, attempts = 1, id = crypto.randomUUID() }: { e?: Env; attempts?: number; id?: string } = {},
) {
	const batch = createMessageBatch("transcode-jobs", [{ id, timestamp: new Date(), attempts, body }]);
	const retry = vi.spyOn(batch.messages[0] as Message, "retry");
	const ctx = createExecutionContext();
	await handleQueue(batch, e);
	return { ...(await getQueueResult(batch, ctx)), retryOptions: retry.mock.calls.map((c) => c[0]) };
}

/** A video of a real, registered uploader (so events have an inbox to land in). */
async function uploadedVideo(bytes: Uint8Array = sampleVideo()) {
	const owner = await registerUser("Uploader");
	const { id, key } = await seedAsset({ bytes, kind: "video", status: "queued", ownerId: owner.user.id });
	return { id, key, ownerId: owner.user.id, token: owner.accessToken, job: { kind: "transcode", assetId: id, sourceKey: key } };
}

async function derivedObjects(sourceKey: string) {
	const listed = await env.MEDIA.list({ prefix: `${sourceKey.slice(0, -".mp4".length)}/` });
	return listed.objects.map((o) => ({ key: o.key, uploaded: o.uploaded.getTime() })).sort((a, b) => a.key.localeCompare(b.key));
}

describe("transcode-jobs consumer", () => {
	it("transcodes the source into CMAF HLS + DASH in R2 and marks the asset ready with its ladder", async () => {
		const v = await uploadedVideo();
		const result = await deliver(v.job);
		expect(result.explicitAcks).toHaveLength(1);
		expect(result.retryMessages).toHaveLength(0);
		expect(await assetRow(v.id)).toMatchObject({
			status: "ready",
			progress: 1,
			width: 180,
			height: 320,
			durationMs: 1000,
			leaseOwner: null,
		});

		const prefix = v.key.slice(0, -".mp4".length);
		const keys = (await derivedObjects(v.key)).map((o) => o.key.slice(prefix.length + 1));
		expect(keys).toEqual(
			expect.arrayContaining([
				"hls/master.m3u8",
				"hls/0/playlist.m3u8",
				"hls/0/init.m4s",
				"hls/0/seg-00001.m4s",
				"hls/1/playlist.m3u8",
				"dash/manifest.mpd",
				"poster.jpg",
				"thumb.jpg",
				"storyboard.jpg",
				"storyboard.vtt",
			]),
		);
		const master = await env.MEDIA.get(`${prefix}/hls/master.m3u8`);
		expect(master?.httpMetadata?.contentType).toBe("application/vnd.apple.mpegurl");
		expect(await master?.text()).toContain("RESOLUTION=180x320");
		expect(await mediaDb(env).select().from(renditions).where(eq(renditions.assetId, v.id))).toEqual([
			expect.objectContaining({ width: 180, height: 320, playlistKey: `${prefix}/hls/0/playlist.m3u8` }),
		]);

		const ready = await inboxOf(v.ownerId, "TRANSCODE_READY");
		expect(ready.map((n) => n.data)).toEqual([
			{
				assetId: v.id,
				// Signed for the uploader: no public reel shows the video yet.
				hls: expect.stringMatching(new RegExp(`^/cdn/s/[^/]+/${prefix}/hls/master\\.m3u8$`)),
				dash: expect.stringMatching(new RegExp(`^/cdn/s/[^/]+/${prefix}/dash/manifest\\.mpd$`)),
				thumbnail: expect.stringMatching(new RegExp(`^/cdn/s/[^/]+/${prefix}/thumb\\.jpg$`)),
				poster: expect.stringMatching(new RegExp(`^/cdn/s/[^/]+/${prefix}/poster\\.jpg$`)),
				duration: 1,
			},
		]);
		// The transcoder's copy is reclaimed once everything is in R2.
		expect(await transcoderClient(env, v.id).job()).toBeNull();
	});

	it("is reached through the Worker's own queue() entry", async () => {
		const v = await uploadedVideo();
		const batch = createMessageBatch("transcode-jobs", [{ id: "m1", timestamp: new Date(), attempts: 1, body: v.job }]);
		const ctx = createExecutionContext();
		await worker.queue(batch, env);
		expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m1"]);
		expect((await assetRow(v.id))?.status).toBe("ready");
	});

	it("yields one set of outputs and one READY event when the same job is delivered twice, at once or later", async () => {
		const v = await uploadedVideo();
		const [first, second] = await Promise.all([deliver(v.job), deliver(v.job)]);
		expect([...first.explicitAcks, ...second.explicitAcks]).toHaveLength(2);
		expect([...first.retryMessages, ...second.retryMessages]).toHaveLength(0);
		const outputs = await derivedObjects(v.key);
		expect(outputs.length).toBeGreaterThan(10);

		const third = await deliver(v.job);
		expect(third.explicitAcks).toHaveLength(1);
		// Not rewritten: the same objects with the same upload times.
		expect(await derivedObjects(v.key)).toEqual(outputs);
		expect(await inboxOf(v.ownerId, "TRANSCODE_READY")).toHaveLength(1);
		expect((await assetRow(v.id))?.status).toBe("ready");
	});

	it("marks a corrupt file failed with a readable reason, tells the uploader once, and does not retry", async () => {
		const v = await uploadedVideo(new TextEncoder().encode("definitely not a video"));
		const result = await deliver(v.job);
		expect(result.explicitAcks).toHaveLength(1);
		expect(result.retryMessages).toHaveLength(0);
		const row = await assetRow(v.id);
		expect(row).toMatchObject({ status: "failed", errorCode: "unreadable_media" });
		expect(row?.error).toMatch(/not a video we can read/);
		await deliver(v.job); // a redelivery changes nothing
		const failed = await inboxOf(v.ownerId, "TRANSCODE_FAILED");
		expect(failed.map((n) => n.data)).toEqual([{ assetId: v.id, code: "unreadable_media", error: row?.error }]);
	});

	it("tells Analytics Engine how each job and each transcode ended (failure codes included)", async () => {
		const points: { indexes: string[]; blobs: string[] }[] = [];
		const spy = vi.spyOn(env.ANALYTICS, "writeDataPoint").mockImplementation((p) => {
			points.push(p as (typeof points)[number]);
		});
		try {
			const v = await uploadedVideo(new TextEncoder().encode("still not a video"));
			await deliver(v.job);
			expect(points.find((p) => p.indexes[0] === "transcode")?.blobs).toEqual(["transcode", "failed", "unreadable_media", v.id]);
			expect(points.find((p) => p.indexes[0] === "queue_job")?.blobs).toEqual(["queue_job", "failed", "transcode-jobs", v.id]);
		} finally {
			spy.mockRestore();
		}
	});

	it("marks the asset failed when its source object is missing from R2", async () => {
		const v = await uploadedVideo();
		await env.MEDIA.delete(v.key);
		const result = await deliver(v.job);
		expect(result.explicitAcks).toHaveLength(1);
		expect(await assetRow(v.id)).toMatchObject({ status: "failed", errorCode: "source_missing" });
	});

	it("retries with backoff while the transcoder is unreachable, then finishes on a later attempt", async () => {
		const v = await uploadedVideo();
		const down = { ...env, TRANSCODER_URL: "http://127.0.0.1:9" };
		const result = await deliver(v.job, { e: down, attempts: 3, id: "flaky-1" });
		expect(result.explicitAcks).toHaveLength(0);
		expect(result.retryMessages).toHaveLength(1);
		// Third attempt: exponential backoff, 10 s doubled twice.
		expect(result.retryOptions).toEqual([{ delaySeconds: 40 }]);
		expect(await assetRow(v.id)).toMatchObject({ status: "processing", leaseOwner: `${v.id}#3#flaky-1` });

		// The next attempt takes the lease over by its attempt number, whatever its message id, and completes.
		const again = await deliver(v.job, { attempts: 4, id: "flaky-1-redelivered" });
		expect(again.explicitAcks).toHaveLength(1);
		expect((await assetRow(v.id))?.status).toBe("ready");
	});

	it("hands a copy that would outrun the invocation's wall clock back, and the retry copies only what is missing", async () => {
		const v = await uploadedVideo();
		const late = Date.now() - COPY_DEADLINE_MS - 1000;
		await expect(runTranscodeJob(env, v.job as TranscodeJob, leaseOwnerOf(v.id, 1, "m"), late)).rejects.toBeInstanceOf(CopyHandedBack);
		expect(await assetRow(v.id)).toMatchObject({ status: "processing" });
		const prefix = v.key.slice(0, -".mp4".length);
		// Nothing of the final copy is there; at most what progressive publishing put while FFmpeg ran (HLS).
		expect((await derivedObjects(v.key)).map((o) => o.key.slice(prefix.length + 1)).filter((k) => !k.startsWith("hls/"))).toEqual([]);
		// Say one file made it before the hand-back: the retry must not copy it again.
		const view = await transcoderClient(env, v.id).job();
		const poster = view?.files.find((f) => f.path === "poster.jpg");
		if (!poster) throw new Error("the finished job lists no poster");
		await env.MEDIA.put(`${prefix}/poster.jpg`, await new Response(await transcoderClient(env, v.id).file(poster)).arrayBuffer());
		const before = (await env.MEDIA.head(`${prefix}/poster.jpg`))?.uploaded.getTime();
		// And say an EVENT playlist of exactly the final one's size is there: playlists are rewritten whatever their size.
		const playlist = view?.files.find((f) => f.path === "hls/0/playlist.m3u8");
		await env.MEDIA.put(`${prefix}/hls/0/playlist.m3u8`, "#".repeat(playlist?.bytes ?? 0), {
			httpMetadata: { cacheControl: EVENT_PLAYLIST_CACHE_CONTROL },
		});
		expect(await runTranscodeJob(env, v.job as TranscodeJob, leaseOwnerOf(v.id, 2, "m"))).toBe("done");
		expect((await env.MEDIA.head(`${prefix}/poster.jpg`))?.uploaded.getTime()).toBe(before);
		const vod = await env.MEDIA.get(`${prefix}/hls/0/playlist.m3u8`);
		expect(vod?.httpMetadata?.cacheControl).toBeUndefined();
		expect(await vod?.text()).toContain("#EXT-X-ENDLIST");
		expect((await derivedObjects(v.key)).length).toBeGreaterThan(10);
		expect((await assetRow(v.id))?.status).toBe("ready");
	});

	it("re-tells PLAYABLE (on the socket: progress is kept out of the inbox) when an earlier attempt marked the video playable and died before telling, and READY once", async () => {
		const v = await uploadedVideo();
		const socket = openedSocket(await api(`/ws?token=${v.token}`, { headers: { upgrade: "websocket" } }));
		await mediaDb(env).update(assets).set({ playableAt: new Date().toISOString() }).where(eq(assets.id, v.id));
		expect(await runTranscodeJob(env, v.job as TranscodeJob, leaseOwnerOf(v.id, 2, "m"))).toBe("done");
		await runTranscodeJob(env, v.job as TranscodeJob, leaseOwnerOf(v.id, 3, "m")); // a duplicate: already ready
		await until(() => socket.received.some((m) => m.type === "TRANSCODE_PLAYABLE"), "PLAYABLE on the socket");
		expect(await inboxOf(v.ownerId, "TRANSCODE_PLAYABLE")).toEqual([]);
		expect(await inboxOf(v.ownerId, "TRANSCODE_READY")).toHaveLength(1);
		socket.ws.close(1000);
	});

	it("leaves nothing behind when the video is deleted while its outputs are being copied", async () => {
		const owner = await registerUser("Deleter");
		const { id, key } = await seedAsset({ bytes: sampleVideo(), kind: "video", status: "queued", ownerId: owner.user.id });
		const prefix = `${key.slice(0, -".mp4".length)}/`;
		// The owner deletes the video right after the job's first file lands in R2 (progressive or final copy).
		let deleted = false;
		const media = new Proxy(env.MEDIA, {
			get(target, prop) {
				if (prop !== "put") return Reflect.get(target, prop).bind(target);
				return async (...args: Parameters<R2Bucket["put"]>) => {
					const stored = await target.put(...args);
					if (!deleted) {
						deleted = true;
						const res = await api(`/api/assets/${id}`, { method: "DELETE", token: owner.accessToken });
						expect(res.status).toBe(200);
					}
					return stored;
				};
			},
		});
		const outcome = await runTranscodeJob(
			{ ...env, MEDIA: media },
			{ kind: "transcode", assetId: id, sourceKey: key },
			leaseOwnerOf(id, 1, "m"),
		);
		expect(deleted).toBe(true);
		expect(outcome).toBe("skipped");
		expect((await env.MEDIA.list({ prefix })).objects.map((o) => o.key)).toEqual([]);
		expect(await env.MEDIA.head(key)).toBeNull();
		expect(await mediaDb(env).select().from(renditions).where(eq(renditions.assetId, id))).toEqual([]);
		expect(await assetRow(id)).toBeUndefined();
		expect(await transcoderClient(env, id).job()).toBeNull();
	});

	it("starts over when the transcoder lost the job (restarted) between polls", async () => {
		const v = await uploadedVideo();
		// Another instance had started this job and then vanished: its lease expired long ago.
		await mediaDb(env)
			.update(assets)
			.set({ status: "processing", leaseOwner: "dead-delivery", leaseExpiresAt: "2000-01-01T00:00:00.000Z" })
			.where(eq(assets.id, v.id));
		const result = await deliver(v.job);
		expect(result.explicitAcks).toHaveLength(1);
		expect((await assetRow(v.id))?.status).toBe("ready");
	});

	it("leaves an asset alone while another delivery holds a live lease on it", async () => {
		const v = await uploadedVideo();
		const until = new Date(Date.now() + 60_000).toISOString();
		await mediaDb(env)
			.update(assets)
			.set({ status: "processing", leaseOwner: "other-delivery", leaseExpiresAt: until })
			.where(eq(assets.id, v.id));
		const result = await deliver(v.job);
		expect(result.explicitAcks).toHaveLength(1);
		expect(await assetRow(v.id)).toMatchObject({ status: "processing", leaseOwner: "other-delivery" });
		expect(await derivedObjects(v.key)).toEqual([]);
	});

	it("transcodes one video per user at a time: the owner's next one waits its turn as a new message, others' flow", async () => {
		const busy = await uploadedVideo();
		// The owner's first video is being transcoded (a live lease, as a running delivery holds it).
		await mediaDb(env)
			.update(assets)
			.set({ status: "processing", leaseOwner: "running-delivery", leaseExpiresAt: new Date(Date.now() + 60_000).toISOString() })
			.where(eq(assets.id, busy.id));
		const { id: nextId, key: nextKey } = await seedAsset({ bytes: sampleVideo(), kind: "video", status: "queued", ownerId: busy.ownerId });
		const next = { kind: "transcode", assetId: nextId, sourceKey: nextKey };
		const someoneElse = await uploadedVideo();

		const send = vi.spyOn(env.TRANSCODE_JOBS, "send");
		try {
			const waited = await deliver(next);
			expect(waited.explicitAcks).toHaveLength(1);
			expect(waited.retryMessages).toHaveLength(0);
			expect(send).toHaveBeenCalledWith({ ...next, deferrals: 1 }, { contentType: "json", delaySeconds: DEFER_SECONDS });
			expect(await assetRow(nextId)).toMatchObject({ status: "queued", leaseOwner: null });

			expect((await deliver(someoneElse.job)).explicitAcks).toHaveLength(1);
			expect((await assetRow(someoneElse.id))?.status).toBe("ready");

			// Waiting is bounded: past MAX_DEFERRALS it counts as a failed attempt (retry, then the DLQ).
			send.mockClear();
			const tooLong = await deliver({ ...next, deferrals: MAX_DEFERRALS });
			expect(tooLong.retryMessages).toHaveLength(1);
			expect(send).not.toHaveBeenCalled();

			// Once the first is done, the next one goes through.
			await mediaDb(env).update(assets).set({ status: "ready", leaseOwner: null }).where(eq(assets.id, busy.id));
			expect((await deliver({ ...next, deferrals: 1 })).explicitAcks).toHaveLength(1);
			expect((await assetRow(nextId))?.status).toBe("ready");
		} finally {
			send.mockRestore();
		}
	});

	it("parks a malformed body in the dead-letter queue instead of retrying it forever", async () => {
		const send = vi.spyOn(env.TRANSCODE_DLQ, "send");
		try {
			const result = await deliver({ kind: "transcode", assetId: "not-a-uuid" });
			expect(result.explicitAcks).toHaveLength(1);
			expect(send).toHaveBeenCalledWith(
				expect.objectContaining({ kind: "poison", queue: "transcode-jobs", body: { kind: "transcode", assetId: "not-a-uuid" } }),
			);
		} finally {
			send.mockRestore();
		}
	});

	it("backs off exponentially and caps the delay", () => {
		expect([1, 2, 3, 4].map(backoffSeconds)).toEqual([10, 20, 40, 80]);
		expect(backoffSeconds(20)).toBe(300);
	});
});

describe("transcode-jobs-dlq consumer", () => {
	const deadLetter = async (body: unknown) => {
		const batch = createMessageBatch("transcode-jobs-dlq", [{ id: "d1", timestamp: new Date(), attempts: 1, body }]);
		const ctx = createExecutionContext();
		await handleQueue(batch, env);
		return getQueueResult(batch, ctx);
	};

	it("marks the asset of a dead job failed and tells its owner why", async () => {
		const v = await uploadedVideo();
		await mediaDb(env).update(assets).set({ status: "processing" }).where(eq(assets.id, v.id));
		expect((await deadLetter(v.job)).explicitAcks).toEqual(["d1"]);
		expect(await assetRow(v.id)).toMatchObject({ status: "failed", errorCode: "transcode_retries_exhausted" });
		expect(await inboxOf(v.ownerId, "TRANSCODE_FAILED")).toHaveLength(1);
	});

	it("removes the job from the transcoder (FFmpeg stopped, slot and disk freed)", async () => {
		const v = await uploadedVideo();
		const client = transcoderClient(env, v.id);
		const source = sampleVideo();
		await client.start(new Blob([source]).stream(), source.length);
		expect(await client.job()).not.toBeNull();
		await deadLetter(v.job);
		expect(await client.job()).toBeNull();
		expect(await assetRow(v.id)).toMatchObject({ status: "failed", errorCode: "transcode_retries_exhausted" });
	});

	it("never downgrades an asset that became ready in the meantime", async () => {
		const v = await uploadedVideo();
		await mediaDb(env).update(assets).set({ status: "ready" }).where(eq(assets.id, v.id));
		await deadLetter(v.job);
		expect((await assetRow(v.id))?.status).toBe("ready");
		expect(await inboxOf(v.ownerId, "TRANSCODE_FAILED")).toEqual([]);
	});
});
