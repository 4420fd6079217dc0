import { describe, expect, it } from "vitest";
import { newsFromEvent, newsFromStatus, type Stage, type UploadAction, uploadReducer } from "./upload-stage";

const run = (actions: UploadAction[], from: Stage = { kind: "pick" }) => actions.reduce(uploadReducer, from);
const processing: UploadAction[] = [
	{ type: "started", total: 100 },
	{ type: "sent", sent: 50, total: 100 },
	{ type: "saved", saved: 40, total: 100 },
	{ type: "uploaded", assetId: "a1" },
];

describe("the upload page's stage", () => {
	it("goes from uploading to processing to playable to ready, and posts", () => {
		expect(run(processing.slice(0, 3))).toEqual({ kind: "uploading", sent: 50, saved: 40, total: 100 });
		const ready = run([
			...processing,
			{ type: "transcode", news: { type: "progress", assetId: "a1", progress: 0.42 } },
			{ type: "transcode", news: { type: "playable", assetId: "a1" } },
			{ type: "transcode", news: { type: "ready", assetId: "a1", poster: "/cdn/p.jpg" } },
		]);
		expect(ready).toEqual({ kind: "ready", assetId: "a1", poster: "/cdn/p.jpg", final: true });
		expect(uploadReducer(ready, { type: "posted", reelId: "r1" })).toEqual({ kind: "posted", reelId: "r1" });
	});

	it("ignores another video's news, news after the end, and tus callbacks after Cancel", () => {
		const mine = run(processing);
		expect(uploadReducer(mine, { type: "transcode", news: { type: "ready", assetId: "other", poster: null } })).toBe(mine);
		const done = run([...processing, { type: "transcode", news: { type: "ready", assetId: "a1", poster: null } }]);
		// A late PROGRESS or a status answer that raced the socket does not take a finished video back.
		expect(uploadReducer(done, { type: "transcode", news: { type: "progress", assetId: "a1", progress: 0.9 } })).toBe(done);
		expect(uploadReducer(done, { type: "transcode", news: { type: "playable", assetId: "a1" } })).toBe(done);
		// Cancelled: tus may still call back; the page stays where the person put it.
		const cancelled = run([...processing.slice(0, 2), { type: "reset" }]);
		expect(
			run(
				[
					{ type: "sent", sent: 99, total: 100 },
					{ type: "uploaded", assetId: "a1" },
				],
				cancelled,
			),
		).toEqual({ kind: "pick" });
	});

	it("fails with the transcoder's or the upload's reason, and can start again", () => {
		const failed = run([...processing, { type: "transcode", news: { type: "failed", assetId: "a1", message: "no video stream" } }]);
		expect(failed).toEqual({ kind: "failed", message: "no video stream" });
		expect(
			run([
				{ type: "started", total: 1 },
				{ type: "upload-failed", message: "quota" },
			]),
		).toEqual({ kind: "failed", message: "quota" });
		expect(uploadReducer(failed, { type: "started", total: 5 })).toMatchObject({ kind: "uploading", total: 5 });
	});

	it("offers a too-long video, kept to be trimmed, for a part to be posted", () => {
		const offered = run([
			...processing,
			{ type: "transcode", news: { type: "too-long", assetId: "a1", durationSeconds: 240, maxSeconds: 180 } },
		]);
		expect(offered).toEqual({ kind: "too-long", assetId: "a1", durationSeconds: 240, maxSeconds: 180 });
		// The same news again (the status raced the socket) changes nothing; posting its part ends it.
		expect(uploadReducer(offered, { type: "transcode", news: { type: "ready", assetId: "a1", poster: null } })).toBe(offered);
		expect(uploadReducer(offered, { type: "posted", reelId: "r1" })).toEqual({ kind: "posted", reelId: "r1" });
		const trim = { durationSeconds: 240, maxSeconds: 180, until: "2026-12-04T10:00:00Z" };
		expect(newsFromEvent({ type: "TRANSCODE_FAILED", data: { assetId: "a", code: "too_long", error: "Too long.", trim } })).toEqual({
			type: "too-long",
			assetId: "a",
			durationSeconds: 240,
			maxSeconds: 180,
		});
		expect(newsFromStatus("a", { status: "failed", poster: null, error: { message: "Too long." }, trim })).toMatchObject({
			type: "too-long",
		});
		// Refused for good (no trim): a failure, as before.
		expect(newsFromEvent({ type: "TRANSCODE_FAILED", data: { assetId: "a", code: "too_long", error: "Too long." } })).toMatchObject({
			type: "failed",
		});
	});

	it("reads the socket's events and the status API alike", () => {
		expect(newsFromEvent({ type: "TRANSCODE_PROGRESS", data: { assetId: "a", progress: 0.5 } })).toEqual({
			type: "progress",
			assetId: "a",
			progress: 0.5,
		});
		expect(newsFromEvent({ type: "NEW_REEL", data: {} })).toBeNull();
		expect(newsFromStatus("a", { status: "processing", poster: null, error: null })).toBeNull();
		expect(newsFromStatus("a", { status: "failed", poster: null, error: { message: "bad" } })).toEqual({
			type: "failed",
			assetId: "a",
			message: "bad",
		});
	});
});
