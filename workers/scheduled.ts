// The Worker's `scheduled()` entry: one job per cron expression in
// wrangler.toml [triggers]. Each job is idempotent; a missed run is caught up by the next.
import { sweepEmailTokens } from "./api/auth/email-tokens";
import { sweepExports } from "./api/exports/export-store";
import { refreshReelScores } from "./api/feed/reel-scores";
import { refreshTrending } from "./api/feed/trending";
import { queueDigests } from "./api/notifications/digests";
import { sweepPlaybackViews } from "./api/playback/playback-store";
import { foldCounters } from "./api/reels/counter-shards";
import { sweepViews } from "./api/reels/sweep-views";
import { cleanupAbandonedUploads } from "./cdn/tus/cleanup-abandoned-uploads";
import { sweepDirectUploads } from "./cdn/tus/direct-uploads";
import { logger } from "./lib/observability/logger";
import { startHeartbeatWriter } from "./lib/postgres/heartbeat";
import { drainOutbox } from "./realtime/outbox";
import { sweepTrimmableOriginals } from "./transcoder/trimmable-originals";
import { sweepWebhookDeliveries } from "./webhooks/webhook-events";

export const CRONS = {
	/** Hourly: resumable uploads nobody finished; mailed links long spent or expired; data exports past their days; too-long originals past their trimming grace. */
	hourly: "17 * * * *",
	/** Every minute: events whose right-after-the-response delivery was cut short; expired view dedupe rows; the heartbeat writer kept running; counter shards folded into their reels. */
	everyMinute: "* * * * *",
	/** Every five minutes: a new trending ranking. */
	everyFiveMinutes: "*/5 * * * *",
	/** Daily at 07:00 UTC: the notification digests. */
	daily: "0 7 * * *",
} as const;

export async function runScheduled(cron: string, env: Env): Promise<void> {
	switch (cron) {
		case CRONS.hourly:
			await Promise.all([
				cleanupAbandonedUploads(env),
				sweepDirectUploads(env),
				sweepEmailTokens(env),
				sweepExports(env),
				sweepPlaybackViews(env),
				sweepTrimmableOriginals(env),
			]);
			return;
		case CRONS.everyMinute:
			await Promise.all([drainOutbox(env), sweepViews(env), startHeartbeatWriter(env), foldCounters(env)]);
			return;
		case CRONS.daily:
			await queueDigests(env);
			return;
		case CRONS.everyFiveMinutes:
			await Promise.all([refreshTrending(env), refreshReelScores(env), sweepWebhookDeliveries(env)]);
			return;
		default:
			logger.error("unknown_cron", { cron });
	}
}
