import { eq } from "drizzle-orm";
import { captionSpeech } from "../captions/generated-captions";
import { recogniseWithWhisper } from "../captions/whisper-speech";
import { derivedPrefix } from "../cdn/cdn-key";
import { doublingDelay } from "../lib/async/doubling-delay";
import { configOf } from "../lib/config/config";
import { leaseOwnerOf, recordProbe, releaseLease, renewLease, takeLease } from "../lib/media-db/asset-store";
import { deleteDerivedRows } from "../lib/media-db/derived-rows";
import { type MediaDb, mediaDb } from "../lib/media-db/media-db";
import { assets } from "../lib/media-db/schema";
import { record } from "../lib/observability/analytics";
import { logger } from "../lib/observability/logger";
import { deletePrefix } from "../lib/r2/delete-prefix";
import { CopyHandedBack, publishOutputs } from "../transcoder/publish-outputs";
import { progressivePublisher } from "../transcoder/publish-progressive";
import {
	announceFailed,
	announcePlayable,
	announceReady,
	failureReason,
	finishFailed,
	finishPlayable,
	finishReady,
	tellProgress,
} from "../transcoder/transcode-outcome";
import {
	SourceRejected,
	type SourceTrim,
	type TranscodeJobView,
	type TranscoderClient,
	TranscoderUnavailable,
	transcoderClient,
} from "../transcoder/transcoder-client";
import { type PoisonMessage, type TranscodeJob, TranscodeJobSchema } from "./messages";

const MAX_BACKOFF_S = 300;
/** Exponential backoff per delivery attempt: 10s, 20s, 40s … capped. */
export const backoffSeconds = (attempts: number) => doublingDelay(attempts, 10, MAX_BACKOFF_S);

/** A delivery owns its asset this long; renewed on every progress poll. Longer than one consumer invocation may run. */
const LEASE_SECONDS = 16 * 60;
/** Stop polling well inside the consumer's 15-minute wall clock; the retry picks the same job up again. */
const POLL_DEADLINE_MS = 12 * 60 * 1000;
/**
 * No new file copy starts after this much of the invocation (15 minutes of wall clock,
 * developers.cloudflare.com/queues/platform/limits/): one file copies in seconds, so a
 * minute is left for the copies in flight, D1 and the lease. The retry resumes the copy.
 */
export const COPY_DEADLINE_MS = 14 * 60 * 1000;
/** Each status request is a long poll held by the transcoder until something changes. */
const LONG_POLL_MS = 15_000;
/** Uploaders hear progress at 20 %, 40 %, 60 % and 80 %; D1 holds it at 1 % resolution. */
const PROGRESS_EVENT_STEP = 0.2;

type Outcome = "done" | "skipped" | "failed" | "busy_elsewhere" | "deferred";

/** A job that must wait its turn comes back this much later, as a new message. */
export const DEFER_SECONDS = 30;
/** At most this many turns waited (an hour at DEFER_SECONDS); past it the wait counts as a failed attempt. */
export const MAX_DEFERRALS = 120;

/** Thrown when the asset was deleted (DELETE /api/assets/:id) while its job ran: what the job copied is swept. */
class AssetDeleted extends Error {
	constructor() {
		super("the asset was deleted while it was being transcoded");
		this.name = "AssetDeleted";
	}
}

const assetExists = async (db: MediaDb, id: string) =>
	(await db.query.assets.findFirst({ where: eq(assets.id, id), columns: { id: true } })) !== undefined;

/** Thrown when a job must wait its turn: the consumer hands it back as a new message (see DEFER_SECONDS). */
export class MustWaitTurn extends Error {
	constructor(
		message: string,
		readonly delaySeconds = DEFER_SECONDS,
	) {
		super(message);
		this.name = "MustWaitTurn";
	}
}

/**
 * Takes the asset for this delivery: only one delivery transcodes an asset at a
 * time. A later attempt of the job takes its lease over (leaseOwnerOf); a
 * duplicate message waits until the lease expires, i.e. its holder died.
 * Also refused while the owner already has `perUser` other videos under a live
 * lease: one statement, so two deliveries of one owner cannot both slip in.
 */
async function acquireLease(
	db: MediaDb,
	asset: { id: string; ownerId: string },
	deliveryId: string,
	perUser: number,
): Promise<"taken" | "held_elsewhere" | "owner_busy"> {
	if (await takeLease(db, asset, deliveryId, { perUser, leaseSeconds: LEASE_SECONDS })) return "taken";
	const now = new Date().toISOString();
	const row = await db.query.assets.findFirst({ where: eq(assets.id, asset.id), columns: { leaseOwner: true, leaseExpiresAt: true } });
	const heldByAnother = row?.leaseOwner && row.leaseOwner !== deliveryId && (row.leaseExpiresAt ?? "") > now;
	return heldByAnother ? "held_elsewhere" : "owner_busy";
}

async function waitForJob(
	client: TranscoderClient,
	first: TranscodeJobView,
	onRunning: (view: TranscodeJobView) => Promise<void>,
): Promise<TranscodeJobView> {
	const deadline = Date.now() + POLL_DEADLINE_MS;
	let job = first;
	while (job.state === "running") {
		if (Date.now() > deadline) throw new TranscoderUnavailable("the job is still running; polling again later");
		await onRunning(job);
		const next = await client.job({ waitMs: LONG_POLL_MS, after: job.progress });
		// The instance restarted or was replaced: whatever it had is gone, so the retry starts over.
		if (!next) throw new TranscoderUnavailable("the transcoder lost the job (restarted?)");
		job = next;
	}
	return job;
}

/**
 * Handles one job; idempotent, because Queues deliver at least once. Throws
 * only for failures worth retrying (the transcoder unreachable, busy or
 * restarted, storage errors). `deliveryId` names this delivery (leaseOwnerOf).
 */
export async function runTranscodeJob(env: Env, job: TranscodeJob, deliveryId: string, startedAt = Date.now()): Promise<Outcome> {
	const db = mediaDb(env);
	const asset = await db.query.assets.findFirst({ where: eq(assets.id, job.assetId) });
	if (!asset) {
		logger.warn("transcode_job_unknown_asset", { assetId: job.assetId });
		return "skipped";
	}
	// A duplicate of a job that already ended: re-tell its end (deduplicated), in case the
	// delivery that got there crashed between recording it and telling the uploader.
	if (asset.status === "ready") return announceReady(env, db, asset).then(() => "skipped");
	if (asset.status === "failed") return announceFailed(env, db, asset).then(() => "skipped");
	const lease = await acquireLease(db, asset, deliveryId, configOf(env).TRANSCODE_JOBS_PER_USER);
	if (lease === "held_elsewhere") return "busy_elsewhere";
	if (lease === "owner_busy") throw new MustWaitTurn("the owner's other videos are being transcoded");
	// Already watchable (an earlier attempt got there): re-tell it, deduplicated, in case that attempt died before it could.
	if (asset.playableAt !== null) await announcePlayable(env, db, asset);

	const client = transcoderClient(env, asset.id);
	const fail = async (code: string, message?: string, trim?: SourceTrim) => {
		await finishFailed(env, db, asset, code, failureReason(code, message), trim);
		record(env, "transcode", ["failed", code, asset.id], [Date.now() - t0, 0, 0]);
		await client.remove().catch(() => undefined);
		return "failed" as const;
	};
	const t0 = Date.now();
	// The asset's own folder: a clip reads its parent's original (job.sourceKey) but writes under its own name.
	const prefix = derivedPrefix(asset.r2Key);
	try {
		let view = await client.job();
		if (!view || view.state === "failed") {
			const source = await env.MEDIA.get(job.sourceKey);
			if (!source) return await fail("source_missing");
			try {
				view = await client.start(source.body, source.size, job.maxSeconds, job.clip);
			} catch (err) {
				// Every slot busy (the transcoder said when to come back): wait a turn without using up a retry.
				if (err instanceof TranscoderUnavailable && err.retryAfterSeconds > 0) {
					await releaseLease(db, asset.id, deliveryId);
					throw new MustWaitTurn(err.message, Math.max(DEFER_SECONDS, err.retryAfterSeconds));
				}
				throw err;
			}
		}
		await recordProbe(db, asset.id, view.probe);

		let stored = asset.progress;
		let told = Math.floor(asset.progress / PROGRESS_EVENT_STEP);
		// A retry of a video already watchable leaves its EVENT playlists as they are: this run's would
		// list fewer segments than players have seen. They wait (reloading) and go on with the VOD ones.
		const publishFinished = asset.playableAt === null ? progressivePublisher(env, client, prefix) : null;
		let playableAt: number | null = null;
		view = await waitForJob(client, view, async (running) => {
			const progressive = running.progressive;
			if (publishFinished && progressive && (await publishFinished(progressive)) && playableAt === null) {
				playableAt = Date.now();
				await finishPlayable(env, db, asset, deliveryId, { prefix, published: progressive });
			}
			const progress = running.progress;
			if (progress - stored < 0.01) return;
			stored = progress;
			const renewed = await renewLease(db, asset.id, deliveryId, progress, LEASE_SECONDS);
			if (!renewed && !(await assetExists(db, asset.id))) throw new AssetDeleted();
			const step = Math.floor(progress / PROGRESS_EVENT_STEP);
			if (step > told && progress < 1) {
				told = step;
				await tellProgress(env, asset.ownerId, asset.id, step * PROGRESS_EVENT_STEP).catch((err: Error) =>
					logger.warn("transcode_progress_event_failed", { assetId: asset.id, error: err.message }),
				);
			}
		});
		if (view.state === "failed") {
			const error = view.error ?? { code: "encode_failed", message: "the transcoder gave no reason", retryable: false };
			if (error.retryable) throw new TranscoderUnavailable(`transcode interrupted: ${error.message}`);
			return await fail(error.code, error.message);
		}
		const t1 = Date.now();
		const copy = await publishOutputs(env, db, client, {
			assetId: asset.id,
			originalKey: asset.r2Key,
			isClip: job.clip !== undefined,
			job: view,
			deadline: startedAt + COPY_DEADLINE_MS,
		});
		const t2 = Date.now();
		// Before READY, so its event, its webhook and the reels on it carry the generated track.
		await addSpeechCaptions(env, asset, view, client, startedAt + COPY_DEADLINE_MS);
		await finishReady(env, db, asset, deliveryId);
		// Deleted while the last files were copied: the deletion swept the prefix before they landed.
		if (!(await assetExists(db, asset.id))) throw new AssetDeleted();
		record(env, "transcode", ["ready", "", asset.id], [t1 - t0, t2 - t1, view.files.length]);
		// Where the time went, for operators and for bench/transcode.bench.ts's overhead figure.
		logger.info("transcode_phases", {
			assetId: asset.id,
			transcodeMs: t1 - t0,
			// Upload handed to the transcoder → the first segments of every rung in R2 (null: not published early).
			playableMs: playableAt === null ? null : playableAt - t0,
			copyMs: t2 - t1,
			finishMs: Date.now() - t2,
			files: view.files.length,
			copied: copy.copied,
			resumedPast: copy.skipped,
		});
		await client.remove().catch((err: Error) => logger.warn("transcoder_cleanup_failed", { assetId: asset.id, error: err.message }));
		return "done";
	} catch (err) {
		// Too long but trimmable: the original is kept for a clip of it (a clip's own source never is).
		if (err instanceof SourceRejected) return fail(err.code, err.message, job.clip ? undefined : err.trim);
		// Deleted mid-job: seen by a check, or as the failure it caused (D1's foreign keys refuse rows
		// for an asset that is gone). If D1 cannot be asked, the delivery is retried as for any error.
		if (err instanceof AssetDeleted || !(await assetExists(db, asset.id).catch(() => true))) {
			// Copies kept landing after the deletion removed the prefix: nothing may outlive the asset (a
			// clip's original too, which is written at the asset's own key, outside its folder).
			const swept = await deletePrefix(env.MEDIA, prefix);
			if (job.clip) await env.MEDIA.delete(asset.r2Key);
			await deleteDerivedRows(db, asset.id);
			await client.remove().catch(() => undefined);
			logger.info("transcode_asset_deleted", { assetId: asset.id, swept: swept.length });
			return "skipped";
		}
		throw err;
	}
}

/**
 * The track of what the video says, if anything: heard by the transcoder's own recogniser (the local
 * stack's PocketSphinx), or, when it handed over the audio instead, by Whisper on Workers AI through
 * the AI binding (production). A failure here is logged, never the video's.
 */
async function addSpeechCaptions(
	env: Env,
	asset: { id: string; r2Key: string },
	view: TranscodeJobView,
	client: TranscoderClient,
	/** The invocation's wall clock, as for the copy: recognition gives up what it cannot do before it. */
	deadline: number,
): Promise<void> {
	const video = { id: asset.id, r2Key: asset.r2Key, durationMs: view.probe.durationMs };
	try {
		let speech = view.speech;
		if (!speech && view.speechAudio.length > 0) {
			if (!env.AI) {
				logger.warn("speech_recogniser_missing", {
					assetId: asset.id,
					reason: "the transcoder handed over audio but there is no AI binding",
				});
				return;
			}
			const run = await recogniseWithWhisper(
				env.AI,
				view.speechAudio.map((chunk) => ({
					start: chunk.start,
					seconds: chunk.seconds,
					audio: async () => new Response(await client.file(chunk)).arrayBuffer(),
				})),
				deadline,
			);
			if (run.failed || run.skipped) logger.warn("speech_chunks_missed", { assetId: asset.id, failed: run.failed, skipped: run.skipped });
			speech = run.speech;
		}
		const outcome = await captionSpeech(env, configOf(env).APP_ORIGIN, video, speech);
		logger.info("speech_captions", {
			assetId: asset.id,
			outcome,
			engine: speech?.engine ?? null,
			cues: speech?.cues.length ?? 0,
		});
	} catch (err) {
		logger.warn("speech_captions_failed", { assetId: asset.id, error: (err as Error).message });
	}
}

/** `queue()` for transcode-jobs: acks or retries each message on its own. */
export async function consumeTranscodeJobs(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	// The invocation's wall clock starts now, whatever the batch holds.
	const invokedAt = Date.now();
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
		const started = Date.now();
		const deferrals = parsed.data.deferrals ?? 0;
		/** How this delivery ended, as an Analytics Engine datapoint (queued ms, attempts, run ms). */
		const recordJob = (outcome: string) =>
			record(
				env,
				"queue_job",
				[outcome, batch.queue, parsed.data.assetId],
				[started - message.timestamp.getTime(), message.attempts, Date.now() - started],
			);
		try {
			const outcome = await runTranscodeJob(env, parsed.data, leaseOwnerOf(parsed.data.assetId, message.attempts, message.id), invokedAt);
			logger.info("transcode_job", {
				assetId: parsed.data.assetId,
				outcome,
				attempts: message.attempts,
				queuedMs: started - message.timestamp.getTime(),
				ms: Date.now() - started,
			});
			recordJob(outcome);
			message.ack();
		} catch (err) {
			if (err instanceof MustWaitTurn && deferrals < MAX_DEFERRALS) {
				// A new message, not retry(): retries count towards max_retries and the dead-letter queue.
				await env.TRANSCODE_JOBS.send(
					{ ...parsed.data, deferrals: deferrals + 1 },
					{ contentType: "json", delaySeconds: err.delaySeconds },
				);
				logger.info("transcode_job_deferred", { assetId: parsed.data.assetId, deferrals: deferrals + 1, reason: err.message });
				recordJob("deferred");
				message.ack();
				continue;
			}
			const delaySeconds =
				// Handed back for the wall clock: resume at once, nothing is wrong.
				err instanceof CopyHandedBack
					? 1
					: err instanceof TranscoderUnavailable
						? Math.max(err.retryAfterSeconds, backoffSeconds(message.attempts))
						: backoffSeconds(message.attempts);
			logger.warn("transcode_job_retry", {
				assetId: parsed.data.assetId,
				attempts: message.attempts,
				delaySeconds,
				error: (err as Error).message,
			});
			recordJob("retry");
			message.retry({ delaySeconds });
		}
	}
}
