import { eq, sql } from "drizzle-orm";
import { mediaDb } from "../lib/media-db/media-db";
import { assets } from "../lib/media-db/schema";
import { logger } from "../lib/observability/logger";
import { SourceRejected, TranscoderUnavailable, transcoderClient } from "../transcoder/transcoder-client";
import { type PoisonMessage, type TranscodeJob, TranscodeJobSchema } from "./messages";

const MAX_BACKOFF_S = 300;
/** Exponential backoff per delivery attempt: 10s, 20s, 40s … capped. */
export const backoffSeconds = (attempts: number) => Math.min(MAX_BACKOFF_S, 10 * 2 ** Math.max(0, attempts - 1));

type Outcome = "done" | "skipped" | "failed";

/**
 * Handles one job; idempotent, because Queues deliver at least once. Throws
 * only for failures worth retrying (the transcoder unreachable, storage errors).
 */
export async function runTranscodeJob(env: Env, job: TranscodeJob): Promise<Outcome> {
	const db = mediaDb(env);
	const asset = await db.query.assets.findFirst({ where: eq(assets.id, job.assetId) });
	if (!asset) {
		logger.warn("transcode_job_unknown_asset", { assetId: job.assetId });
		return "skipped";
	}
	if (asset.status === "ready" || asset.status === "failed") return "skipped"; // a duplicate delivery
	const markFailed = async (error: string) => {
		await db.update(assets).set({ status: "failed", error, updatedAt: now() }).where(eq(assets.id, asset.id));
		return "failed" as const;
	};

	const source = await env.MEDIA.get(job.sourceKey);
	if (!source) return markFailed("source_missing");
	await db.update(assets).set({ status: "processing", updatedAt: now() }).where(eq(assets.id, asset.id));
	try {
		const probe = await transcoderClient(env, asset.id).probe(source.body, source.size);
		await db
			.update(assets)
			.set({ width: probe.width, height: probe.height, durationMs: probe.durationMs, updatedAt: now() })
			.where(eq(assets.id, asset.id));
		return "done";
	} catch (err) {
		if (err instanceof SourceRejected) return markFailed(err.code);
		throw err;
	}
}

/** `queue()` for transcode-jobs: acks or retries each message on its own. */
export async function consumeTranscodeJobs(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	for (const message of batch.messages) {
		const parsed = TranscodeJobSchema.safeParse(message.body);
		if (!parsed.success) {
			// Retrying cannot fix a malformed body; park it in the DLQ so it is not lost.
			await env.TRANSCODE_DLQ.send({
				kind: "poison",
				queue: batch.queue,
				error: parsed.error.message,
				body: message.body,
			} satisfies PoisonMessage);
			message.ack();
			continue;
		}
		try {
			const outcome = await runTranscodeJob(env, parsed.data);
			logger.info("transcode_job", { assetId: parsed.data.assetId, outcome, attempts: message.attempts });
			message.ack();
		} catch (err) {
			const delaySeconds =
				err instanceof TranscoderUnavailable
					? Math.max(err.retryAfterSeconds, backoffSeconds(message.attempts))
					: backoffSeconds(message.attempts);
			logger.warn("transcode_job_retry", {
				assetId: parsed.data.assetId,
				attempts: message.attempts,
				delaySeconds,
				error: (err as Error).message,
			});
			message.retry({ delaySeconds });
		}
	}
}

const now = () => sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
