import { describe, expect, it } from "vitest";
import { actorNames, eventKey, groupNotifications, type Notification, relativeTime, sentence } from "./notifications";

const person = (name: string) => ({ id: `id-${name}`, name, handle: name.toLowerCase(), avatarUrl: null });
let n = 0;
const event = (type: string, actor: string | null, data: Record<string, unknown> = {}, at = "2026-12-02T10:00:00.000Z"): Notification => ({
	id: `n${++n}`,
	type,
	data,
	actor: actor ? person(actor) : null,
	link: null,
	readAt: null,
	createdAt: at,
});

describe("groupNotifications", () => {
	it("puts likes of one reel on one day in one row, each person once, newest first", () => {
		const groups = groupNotifications([
			event("REEL_LIKED", "Ada", { reelId: "r1" }),
			event("REEL_LIKED", "Bo", { reelId: "r1" }),
			event("REEL_LIKED", "Ada", { reelId: "r1" }),
			event("REEL_LIKED", "Cy", { reelId: "r2" }),
			event("REEL_LIKED", "Di", { reelId: "r1" }),
			event("REEL_LIKED", "Ed", { reelId: "r1" }, "2026-11-30T10:00:00.000Z"),
		]);
		expect(groups.map((g) => [g.actors.map((a) => a.name), g.count])).toEqual([
			[["Ada", "Bo", "Di"], 4],
			[["Cy"], 1],
			[["Ed"], 1],
		]);
		expect(groups.map((g) => `${sentence(g).who} ${sentence(g).what}`)).toEqual([
			"Ada and 2 others liked your reel.",
			"Cy liked your reel.",
			"Ed liked your reel.",
		]);
	});

	it("leaves progress out and never shows a raw event type", () => {
		const groups = groupNotifications([
			event("TRANSCODE_PROGRESS", null, { progress: 0.4 }),
			event("TRANSCODE_PLAYABLE", null),
			event("TRANSCODE_READY", null),
			event("SOMETHING_NEW", null),
		]);
		expect(groups.map((g) => sentence(g))).toEqual([
			{ who: null, what: "Your video is ready to post." },
			{ who: null, what: "Something new happened." },
		]);
	});

	it("says who, and quotes what they said, shortened", () => {
		const [comment, follow, mention, reply] = groupNotifications([
			event("NEW_COMMENT", "Ada", { reelId: "r1", text: "x".repeat(100) }),
			event("NEW_FOLLOWER", "Bo"),
			event("MENTIONED", "Cy", { reelId: "r1", commentId: "c", text: "hi @me" }),
			event("COMMENT_REPLY", "Di", { reelId: "r2", commentId: "d", replyTo: "c", text: "agreed" }),
		]);
		expect(reply && sentence(reply)).toEqual({ who: "Di", what: "replied to your comment: “agreed”" });
		expect(comment && sentence(comment).what).toBe(`commented: “${"x".repeat(79)}…”`);
		expect(follow && actorNames(follow)).toBe("Bo");
		expect(mention && sentence(mention)).toEqual({ who: "Cy", what: "mentioned you in a comment: “hi @me”" });
	});
});

describe("relativeTime", () => {
	it("is short: now, minutes, hours, days, weeks", () => {
		const now = Date.parse("2026-12-02T12:00:00Z");
		expect(
			["2026-12-02T11:59:30Z", "2026-12-02T11:55:00Z", "2026-12-02T09:00:00Z", "2026-11-30T12:00:00Z", "2026-11-18T12:00:00Z"].map((t) =>
				relativeTime(t, now),
			),
		).toEqual(["now", "5m", "3h", "2d", "2w"]);
	});
});

describe("eventKey", () => {
	it("is the same for an event from the socket and from the inbox, whose jsonb reordered its keys", () => {
		const socket = { assetId: "a", hls: "/cdn/x", dash: null, poster: { url: "p", w: 1 } };
		const inbox = { hls: "/cdn/x", dash: null, assetId: "a", poster: { w: 1, url: "p" } };
		expect(eventKey("TRANSCODE_READY", socket)).toBe(eventKey("TRANSCODE_READY", inbox));
		expect(eventKey("TRANSCODE_READY", socket)).not.toBe(eventKey("TRANSCODE_FAILED", socket));
		expect(eventKey("X", { a: 1 })).not.toBe(eventKey("X", { a: 2 }));
	});
});
