import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";
import { closeQuietly, connect } from "../../lib/postgres/connect";
import { api, GOOD_PASSWORD, registerUser, type Session } from "../../test-support/api";
import { transcodedVideo } from "../../test-support/videos";

const clip = (owner: Session, id: string, json: unknown, overrides: Partial<Env> = {}) =>
	api(`/api/videos/${id}/clip`, { method: "POST", token: owner.accessToken, json }, overrides);
const assetRow = (id: string) => mediaDb(env).query.assets.findFirst({ where: eq(assets.id, id) });
type Status = { status: string; duration: number; hls: string; source: string };
const statusOf = async (owner: Session, id: string) =>
	(await (await api(`/api/videos/${id}/status`, { token: owner.accessToken })).json()) as Status;

// Each test transcodes a real video first, and a busy CI machine can take longer than the runner's 5 s default.
describe("POST /api/videos/:id/clip", { timeout: 60_000 }, () => {
	it("makes a range of a ready video into a video of its own, with its own original, that outlives its parent", async () => {
		const { owner, id: parentId } = await transcodedVideo();
		const res = await clip(owner, parentId, { start: 0.2, end: 0.8, title: "the middle" });
		expect(res.status).toBe(202);
		const accepted = (await res.json()) as { id: string; status: string; statusUrl: string; title: string };
		expect(accepted).toMatchObject({ status: "queued", statusUrl: `/api/videos/${accepted.id}/status`, title: "the middle" });
		expect(accepted.id).not.toBe(parentId);
		// The local queue delivers the job (the parent's original as the source, the range as the clip)
		// after its batch timeout: the clip's status is asked until it has ended, bounded.
		let status = await statusOf(owner, accepted.id);
		for (let i = 0; i < 300 && status.status !== "ready" && status.status !== "failed"; i++) {
			await new Promise((r) => setTimeout(r, 100));
			status = await statusOf(owner, accepted.id);
		}
		expect(status).toMatchObject({ status: "ready", duration: 0.6 });
		const delivered = await mediaDb(env).query.assets.findFirst({ where: eq(assets.id, accepted.id) });
		expect([delivered?.clipOf, delivered?.clipStartMs, delivered?.clipEndMs]).toEqual([parentId, 200, 800]);
		// Its original is the cut itself, counted at its real size.
		const row = await assetRow(accepted.id);
		const original = await env.MEDIA.head(row?.r2Key as string);
		expect(original?.size).toBe(row?.bytes);
		expect((await api(new URL(status.source, "http://x/").pathname)).status).toBe(200);

		// The parent goes; the clip keeps playing.
		expect((await api(`/api/assets/${parentId}`, { method: "DELETE", token: owner.accessToken })).status).toBe(200);
		const master = await api(new URL(status.hls, "http://x/").pathname);
		expect(master.status).toBe(200);
		await master.arrayBuffer();
	});

	it("is one clip per range: a retry gets the same video, and a reel posted with a range is posted on its clip, once", async () => {
		const { owner, id } = await transcodedVideo();
		const first = (await (await clip(owner, id, { start: 0, end: 0.6 })).json()) as { id: string };
		const again = (await (await clip(owner, id, { start: 0, end: 0.6 })).json()) as { id: string };
		expect(again.id).toBe(first.id);
		const other = (await (await clip(owner, id, { start: 0.1, end: 0.6 })).json()) as { id: string };
		expect(other.id).not.toBe(first.id);

		const post = () =>
			api("/api/reels", {
				method: "POST",
				token: owner.accessToken,
				json: { video_id: id, caption: "cut", clip: { start: 0.2, end: 0.9 } },
			});
		const posted = await post();
		expect(posted.status).toBe(201);
		const reel = (await posted.json()) as { id: string; video: { id: string; status: string } };
		expect(reel.video.id).not.toBe(id);
		expect((await assetRow(reel.video.id))?.ownerId).toBe(owner.user.id);
		const repeated = await post();
		expect(repeated.status).toBe(200);
		expect(((await repeated.json()) as { id: string }).id).toBe(reel.id);
		const bad = await api("/api/reels", {
			method: "POST",
			token: owner.accessToken,
			json: { video_id: id, clip: { start: 0.2, end: 0.3 } },
		});
		expect(bad.status).toBe(422);
		// Kept to the millisecond, one rounding everywhere: 0.4555–0.95568 is 0.456–0.956, exactly half a second.
		const edge = await clip(owner, id, { start: 0.4555, end: 0.95568 });
		expect(edge.status).toBe(202);
		const edgeRow = await assetRow(((await edge.json()) as { id: string }).id);
		expect([edgeRow?.clipStartMs, edgeRow?.clipEndMs]).toEqual([456, 956]);
	});

	it("refuses a range outside the video, too short or malformed, someone else's video, and one not ready", async () => {
		const { owner, id } = await transcodedVideo();
		const cases: [unknown, number, string][] = [
			[{ start: 0.2, end: 1.5 }, 422, "time_past_end"],
			[{ start: 0.5, end: 0.7 }, 422, "clip_too_short"],
			[{ start: -1, end: 0.7 }, 400, "validation_failed"],
			[{ start: 0, end: 0.7, extra: true }, 400, "validation_failed"],
		];
		for (const [json, status, code] of cases) {
			const res = await clip(owner, id, json);
			expect(res.status, JSON.stringify(json)).toBe(status);
			expect(((await res.json()) as { code: string }).code).toBe(code);
		}
		const stranger = await registerUser();
		expect((await clip(stranger, id, { start: 0, end: 0.7 })).status).toBe(404);
		await mediaDb(env).update(assets).set({ status: "processing" }).where(eq(assets.id, id));
		expect((await clip(owner, id, { start: 0, end: 0.7 })).status).toBe(409);
	});

	it("is a video write for API keys, is refused while a reel on the video is under review, and is limited to 20 an hour", async () => {
		const { owner, id } = await transcodedVideo();
		const keyFor = async (scopes: string[]) =>
			(
				(await (
					await api("/api/keys", { method: "POST", token: owner.accessToken, json: { password: GOOD_PASSWORD, name: "k", scopes } })
				).json()) as { key: string }
			).key;
		const poster = await keyFor(["reels:write"]);
		const refused = await api("/api/reels", { method: "POST", token: poster, json: { video_id: id, clip: { start: 0, end: 0.6 } } });
		expect(refused.status).toBe(403);
		expect(((await refused.json()) as { code: string }).code).toBe("insufficient_scope");
		const both = await keyFor(["reels:write", "videos:write"]);
		const clipReel = await api("/api/reels", { method: "POST", token: both, json: { video_id: id, clip: { start: 0, end: 0.6 } } });
		expect(clipReel.status).toBe(201);
		const hide = async (reelId: string, hidden: boolean) => {
			const pg = await connect(env.HYPERDRIVE, "primary", 2000);
			try {
				await pg.query(`UPDATE reels SET hidden_at = ${hidden ? "now()" : "NULL"} WHERE id = $1`, [reelId]);
			} finally {
				await closeQuietly(pg);
			}
		};
		const refusedUnderReview = async (range: { start: number; end: number }) => {
			const res = await clip(owner, id, range);
			expect(res.status).toBe(409);
			expect(((await res.json()) as { code: string }).code).toBe("video_under_review");
		};
		// A reel on a clip of the video under review: another range of the video is refused too.
		const onClip = ((await clipReel.json()) as { id: string }).id;
		await hide(onClip, true);
		await refusedUnderReview({ start: 0.1, end: 0.7 });
		await hide(onClip, false);

		const posted = (await (
			await api("/api/reels", { method: "POST", token: owner.accessToken, json: { video_id: id, caption: "whole" } })
		).json()) as { id: string };
		await hide(posted.id, true);
		await refusedUnderReview({ start: 0.2, end: 0.8 });

		// The account's hour spent (20 clips), the next is refused before anything is reserved or queued.
		const { owner: busy, id: other } = await transcodedVideo();
		const limiter = env.RATE_LIMITER.getByName(`clips:${busy.user.id}`);
		for (let i = 0; i < 20; i++) await limiter.take({ limit: 20, periodSeconds: 3600 });
		const limited = await clip(busy, other, { start: 0, end: 0.6 });
		expect(limited.status).toBe(429);
		expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
	});

	it("counts against the storage quota: a clip that does not fit is refused and nothing is queued", async () => {
		const { owner, id } = await transcodedVideo();
		const before = await mediaDb(env).select({ id: assets.id }).from(assets).where(eq(assets.ownerId, owner.user.id));
		const res = await clip(owner, id, { start: 0, end: 1 }, { STORAGE_QUOTA_BYTES_PER_USER: "1000" } as Partial<Env>);
		expect(res.status).toBe(413);
		const after = await mediaDb(env).select({ id: assets.id }).from(assets).where(eq(assets.ownerId, owner.user.id));
		expect(after).toEqual(before);
	});
});
