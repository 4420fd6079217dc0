import { z } from "@hono/zod-openapi";

/** Events one report may carry, and the views they may name: a player flushes every few seconds. */
export const MAX_EVENTS_PER_BATCH = 50;
export const MAX_VIEWS_PER_BATCH = 10;

const seconds = (description: string) => z.number().min(0).max(86_400).openapi({ description });

export const PLAYBACK_EVENT_TYPES = ["start", "progress", "rebuffer", "error", "end"] as const;

/**
 * One thing a player saw. The figures are the view's totals so far, never increments, so a report
 * sent twice (a retry after a lost answer) or out of order changes nothing; the server keeps the
 * largest it accepts, clamped (playback-store.ts).
 */
export const PlaybackEventSchema = z
	.object({
		viewId: z.uuid().openapi({ description: "Chosen by the player when a reel becomes active; one per playback" }),
		reelId: z.uuid(),
		type: z.enum(PLAYBACK_EVENT_TYPES),
		at: z
			.number()
			.int()
			.nonnegative()
			.openapi({ description: "The player's clock (ms since the epoch): kept for order only, never trusted for time" }),
		position: seconds("The furthest point of the video reached by playing (the duration once it looped)"),
		watchedSeconds: seconds("Seconds watched in this view so far, loops included"),
		startupMs: z.number().int().min(0).max(120_000).optional().openapi({ description: "From the reel becoming active to its first frame" }),
		loops: z.number().int().min(0).max(1000).optional().openapi({ description: "Times it played through and began again" }),
		rebufferCount: z.number().int().min(0).max(10_000).optional(),
		rebufferSeconds: seconds("Seconds stalled waiting for data so far").optional(),
		error: z
			.string()
			.regex(/^[A-Za-z0-9_.:-]{1,40}$/, "1-40 letters, digits or _ . : -")
			.optional()
			.openapi({ description: "The player's error code, with an error event" }),
	})
	.openapi("PlaybackEvent");

export type PlaybackEvent = z.infer<typeof PlaybackEventSchema>;

export const PlaybackBatchSchema = z
	.object({
		deviceId: z
			.uuid()
			.optional()
			.openapi({ description: "An anonymous player's own id (kept in the browser): whose views these are when nobody is signed in" }),
		events: z.array(PlaybackEventSchema).min(1).max(MAX_EVENTS_PER_BATCH),
	})
	.refine((b) => new Set(b.events.map((e) => e.viewId)).size <= MAX_VIEWS_PER_BATCH, {
		message: `At most ${MAX_VIEWS_PER_BATCH} views a report.`,
		path: ["events"],
	})
	.openapi("PlaybackBatch");

export const PlaybackReceiptSchema = z
	.object({
		accepted: z.number().int().openapi({ description: "Views the report updated" }),
		ignored: z
			.number()
			.int()
			.openapi({ description: "Views it did not: a reel the caller may not see, another viewer's view id, or one already ended" }),
	})
	.openapi("PlaybackReceipt");

const share = z.number().min(0).max(1).nullable();

/** What a set of views adds up to (playback-analytics.ts); null where nothing was measured. */
export const PlaybackFiguresSchema = z
	.object({
		views: z.number().int().openapi({ description: "Views counted toward viewCount: once per viewer (or address) per reel per hour" }),
		plays: z.number().int().openapi({ description: "Every playback reported, repeats included" }),
		uniqueViewers: z.number().int(),
		watchSeconds: z.number(),
		averageWatchSeconds: z.number().nullable(),
		completionRate: share.openapi({ description: "Share of plays that reached the end" }),
		startupMs: z.object({ p50: z.number().nullable(), p90: z.number().nullable() }),
		rebufferRatio: share.openapi({ description: "Time stalled over time watched plus stalled" }),
		rebuffersPerPlay: z.number().nullable(),
		errorRate: share.openapi({ description: "Share of plays that reported an error" }),
	})
	.openapi("PlaybackFigures");

export const ReelAnalyticsSchema = z
	.object({
		reelId: z.uuid(),
		durationSeconds: z.number().nullable(),
		since: z.iso.datetime(),
		figures: PlaybackFiguresSchema,
		retention: z.array(z.number().min(0).max(1)).openapi({
			description:
				"Share of plays that got past each tenth of the video (10 points; the last is completion); empty when the duration is unknown",
		}),
		byDay: z.array(z.object({ day: z.iso.date(), views: z.number().int(), plays: z.number().int(), watchSeconds: z.number() })),
	})
	.openapi("ReelAnalytics");

export const AccountAnalyticsSchema = z
	.object({
		since: z.iso.datetime(),
		figures: PlaybackFiguresSchema,
		topReels: z.array(
			z.object({
				reelId: z.uuid(),
				caption: z.string(),
				views: z.number().int(),
				plays: z.number().int(),
				watchSeconds: z.number(),
				completionRate: share,
			}),
		),
	})
	.openapi("AccountAnalytics");

export const AnalyticsQuerySchema = z.object({
	days: z.coerce
		.number()
		.int()
		.min(1)
		.max(90)
		.default(28)
		.openapi({ param: { name: "days", in: "query" }, description: "How many days back (UTC), today included" }),
});
