// Transcode jobs on one instance: each job owns a temp folder, runs one FFmpeg
// pass in the background and is then collected file by file by the Worker.
// Keyed by the id the Worker chose (the asset id), so a retried or duplicated
// request finds the job it already started instead of starting a second one.
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { assertWithin, type ClipRange, clipArgs } from "./clip.ts";
import type { TranscoderConfig } from "./config.ts";
import { ffmpegArgs, OUTPUT, outputDirs, spriteArgs } from "./ffmpeg-command.ts";
import { type Demuxer, demuxerOfFile } from "./input-format.ts";
import { planTranscode, type TranscodePlan } from "./ladder.ts";
import { type Waiters, waitWhile, wake } from "./long-poll.ts";
import type { Metrics } from "./metrics.ts";
import { type OutputFile, type ProgressiveOutputs, packageOutputs, progressiveOutputs, type Rendition } from "./package-outputs.ts";
import { lowestRungSegmentBytes, PREVIEW_MAX_MS, PREVIEW_SECONDS, previewArgs, previewStart } from "./preview.ts";
import { type ProbeResult, probeFile, SourceTooLong, UnsupportedSource } from "./probe.ts";
import { FfmpegFailed, runFfmpeg } from "./run-ffmpeg.ts";
import { hasModel, recogniseSpeech, type Speech } from "./speech/recognise-speech.ts";
import { makeSpeechAudio, type SpeechAudioChunk } from "./speech/speech-audio.ts";
import { spoolToFile } from "./spool.ts";

export const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

/** The longest recognition may run: about 0.2 s of CPU per second of audio here, so a 180 s source needs ~40 s. */
const RECOGNITION_MAX_MS = 120_000;

export interface JobError {
	code: string;
	message: string;
	/** False when the same source would fail again (corrupt, unsupported): the Worker must not retry. */
	retryable: boolean;
}

interface Job {
	id: string;
	dir: string;
	state: "running" | "done" | "failed";
	progress: number;
	probe: ProbeResult;
	/** The demuxer our own sniff chose: FFmpeg reads the source as that and nothing else (input-format.ts). */
	demuxer: Demuxer;
	plan: TranscodePlan;
	files: OutputFile[];
	renditions: Rendition[];
	/** While running: the finished segments and playlists over them (progressive publishing), null until every rung has one. */
	progressive: ProgressiveOutputs | null;
	error?: JobError;
	/** What its audio says (speech/recognise-speech.ts); null: not recognised here (no audio, no model, or it failed). */
	speech: Speech | null;
	/** Its audio in chunks for Whisper on Workers AI (SPEECH_RECOGNISER=workers-ai): the Worker recognises it. */
	speechAudio: SpeechAudioChunk[];
	startedAt: number;
	finishedAt?: number;
	abort: AbortController;
	/** Settles once FFmpeg and packaging are over, whatever the outcome (encode never rejects). */
	encoded?: Promise<void>;
	/** Long-polls waiting for this job to move (see JobStore.waitForChange). */
	waiters: Waiters;
	/** A clip's range of the source (clip.ts); absent for a whole video. */
	clip?: ClipRange;
}

export type JobView = Pick<
	Job,
	"id" | "state" | "progress" | "probe" | "files" | "renditions" | "progressive" | "error" | "speech" | "speechAudio"
> & {
	seconds: number;
};

export class JobStore {
	private readonly jobs = new Map<string, Job>();
	private readonly sweeper: NodeJS.Timeout;
	private readonly config: TranscoderConfig;
	private readonly metrics: Metrics;

	constructor(config: TranscoderConfig, metrics: Metrics) {
		this.config = config;
		this.metrics = metrics;
		// Jobs whose outputs nobody collected (the Worker died) must not fill the disk.
		this.sweeper = setInterval(() => void this.sweep(), 30_000).unref();
	}

	get(id: string): Job | undefined {
		return this.jobs.get(id);
	}

	view(job: Job): JobView {
		const { id, state, progress, probe, files, renditions, error } = job;
		return {
			id,
			state,
			progress,
			probe,
			files,
			renditions,
			// Once done, `files` says everything; the running view's lists would only repeat part of it.
			progressive: state === "running" ? job.progressive : null,
			error,
			speech: state === "done" ? job.speech : null,
			speechAudio: state === "done" ? job.speechAudio : [],
			seconds: ((job.finishedAt ?? performance.now()) - job.startedAt) / 1000,
		};
	}

	/**
	 * Spools and probes the source, then starts FFmpeg without waiting for it.
	 * Takes a job slot (metrics.running) until FFmpeg ends. Throws
	 * UnsupportedSource / SourceTooLarge for sources to refuse (SourceTooLong for one that may be
	 * trimmed); `maxSeconds`, at most MAX_SOURCE_SECONDS, is the longest video this job makes: the
	 * whole source's length, or a clip's range (whose source may be up to MAX_ORIGINAL_SECONDS).
	 */
	async start(id: string, source: IncomingMessage, maxSeconds = this.config.maxSourceSeconds, clip?: ClipRange): Promise<Job> {
		await mkdir(this.config.workDir, { recursive: true });
		const dir = await mkdtemp(join(this.config.workDir, `job-${id}-`));
		const started = performance.now();
		this.metrics.running++;
		try {
			const sourcePath = join(dir, "source");
			await spoolToFile(source, sourcePath, this.config.maxSourceBytes);
			const demuxer = await demuxerOfFile(sourcePath);
			if (!demuxer) throw new UnsupportedSource("unreadable_media", "the source is not MP4, MOV, WebM or MPEG-TS");
			// Probed against the longest original kept for trimming: within it, a source past this job's
			// limit is still checked as media, so the Worker knows a clip of it can be made.
			const sourceProbe = await probeFile(sourcePath, Math.max(maxSeconds, this.config.maxOriginalSeconds), demuxer);
			if (clip) {
				assertWithin(clip, sourceProbe.durationMs / 1000);
				// Whole milliseconds, as the Worker counts (clip.ts).
				if (Math.round(clip.end * 1000) - Math.round(clip.start * 1000) > maxSeconds * 1000) {
					throw new UnsupportedSource("clip_too_long", `a clip lasts at most ${maxSeconds}s`);
				}
			} else if (sourceProbe.durationMs > maxSeconds * 1000) {
				throw new SourceTooLong(sourceProbe.durationMs, maxSeconds);
			}
			// A clip is planned as the video it becomes: the range's length, the source's picture.
			const probe = clip ? { ...sourceProbe, durationMs: Math.round((clip.end - clip.start) * 1000) } : sourceProbe;
			const plan = planTranscode(probe);
			const job: Job = {
				id,
				dir,
				state: "running",
				progress: 0,
				probe,
				demuxer,
				plan,
				files: [],
				renditions: [],
				progressive: null,
				speech: null,
				speechAudio: [],
				startedAt: started,
				abort: new AbortController(),
				waiters: new Set(),
				...(clip ? { clip } : {}),
			};
			this.jobs.set(id, job);
			job.encoded = this.encode(job, sourcePath);
			return job;
		} catch (err) {
			this.metrics.running--;
			this.metrics.failed++;
			this.metrics.secondsSpent += (performance.now() - started) / 1000;
			await rm(dir, { recursive: true, force: true });
			throw err;
		}
	}

	private async encode(job: Job, fullSourcePath: string): Promise<void> {
		const outDir = join(job.dir, "out");
		let sourcePath = fullSourcePath;
		let overBudget = false;
		const budget = setTimeout(() => {
			overBudget = true;
			job.abort.abort();
		}, this.config.maxJobSeconds * 1000);
		try {
			for (const d of outputDirs(job.plan)) await mkdir(join(outDir, d), { recursive: true });
			if (job.clip) {
				// The range, cut exactly, becomes the source of everything below (and the clip's own original).
				sourcePath = join(outDir, OUTPUT.source);
				await runFfmpeg(clipArgs(fullSourcePath, sourcePath, job.demuxer, job.clip, this.config.x264Preset), {
					durationS: job.plan.durationS,
					signal: job.abort.signal,
					onProgress: () => undefined,
				});
				await rm(fullSourcePath, { force: true });
				job.demuxer = "mov";
			}
			await runFfmpeg(ffmpegArgs(sourcePath, outDir, job.plan, { preset: this.config.x264Preset }, job.demuxer), {
				durationS: job.plan.durationS,
				signal: job.abort.signal,
				onProgress: (p) => {
					job.progress = p;
					wake(job.waiters);
					void this.refreshProgressive(job, outDir);
				},
			});
			if (this.config.speechRecogniser === "workers-ai") job.speechAudio = await this.speechAudio(job, sourcePath);
			else job.speech = await this.recognise(job, sourcePath);
			await this.makePreview(job, sourcePath, outDir);
			// The source is the largest file: free it now, the outputs wait for collection. A clip's is one of them.
			if (!job.clip) await rm(sourcePath, { force: true });
			const tilesDir = join(outDir, OUTPUT.storyboardTiles);
			const tiles = (await readdir(tilesDir)).length;
			await runFfmpeg(spriteArgs(outDir, job.plan), { durationS: 1, signal: job.abort.signal, onProgress: () => undefined });
			await rm(tilesDir, { recursive: true, force: true });
			// FFmpeg's fps filter may emit one tile fewer than planned at the very end; the WebVTT lists only real ones.
			job.plan.storyboard.count = Math.min(tiles, job.plan.storyboard.count);
			Object.assign(job, await packageOutputs(outDir, job.plan), { state: "done", progress: 1 });
			this.metrics.done++;
		} catch (err) {
			const error: JobError = overBudget
				? {
						code: "time_budget_exceeded",
						message: `the encode took longer than its ${this.config.maxJobSeconds} s budget`,
						retryable: false,
					}
				: err instanceof FfmpegFailed
					? { code: err.transient ? "encoder_interrupted" : "encode_failed", message: err.message, retryable: err.transient }
					: { code: "internal_error", message: (err as Error).message, retryable: true };
			this.metrics.failed++;
			await rm(job.dir, { recursive: true, force: true });
			// Told only now, with no await before the slot is given back below: whoever sees "failed" sees a free slot.
			Object.assign(job, { state: "failed", error });
		} finally {
			clearTimeout(budget);
			job.finishedAt = performance.now();
			this.metrics.running--;
			this.metrics.secondsSpent += (job.finishedAt - job.startedAt) / 1000;
			wake(job.waiters);
		}
	}

	/**
	 * The speech in the source, or null: recognition is a bonus, so it never fails the job. It gets
	 * at most half of what is left of the job's time budget (the sprite and packaging follow it), and
	 * is stopped and given up when that runs out, before the job's own budget could.
	 */
	/** The audio for the Worker's recogniser (SPEECH_RECOGNISER=workers-ai); none without an audio track. */
	private async speechAudio(job: Job, sourcePath: string): Promise<SpeechAudioChunk[]> {
		if (!job.probe.hasAudio) return [];
		return this.speechStep(job, "speech_audio_failed", [], (signal) =>
			makeSpeechAudio(sourcePath, job.dir, { demuxer: job.demuxer, durationS: job.plan.durationS, signal }),
		);
	}

	private async recognise(job: Job, sourcePath: string): Promise<Speech | null> {
		const modelDir = this.config.speechModelDir;
		if (!job.probe.hasAudio || !modelDir || !hasModel(modelDir)) return null;
		return this.speechStep(job, "speech_recognition_failed", null, (signal) =>
			recogniseSpeech(sourcePath, { modelDir, durationS: job.plan.durationS, demuxer: job.demuxer, signal }),
		);
	}

	/**
	 * A speech step (recognition here, or the audio for the Worker's): at most half the job's remaining
	 * budget (and RECOGNITION_MAX_MS), stopped and given up when that runs out. Its failure is logged
	 * and `none` returned: speech never fails the video. The job itself being stopped still does.
	 */
	private async speechStep<T>(job: Job, failure: string, none: T, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
		const leftMs = this.config.maxJobSeconds * 1000 - (performance.now() - job.startedAt);
		const allowedMs = Math.min(leftMs / 2, RECOGNITION_MAX_MS);
		if (allowedMs < 1000) return none;
		const stop = new AbortController();
		const timer = setTimeout(() => stop.abort(), allowedMs);
		const onJobAbort = () => stop.abort();
		job.abort.signal.addEventListener("abort", onJobAbort, { once: true });
		try {
			return await run(stop.signal);
		} catch (err) {
			if (job.abort.signal.aborted) throw err; // the job itself was stopped (deleted, over budget)
			const why = stop.signal.aborted ? `stopped after ${Math.round(allowedMs)} ms` : (err as Error).message;
			console.warn(JSON.stringify({ level: "warn", msg: failure, job: job.id, error: why }));
			return none;
		} finally {
			clearTimeout(timer);
			job.abort.signal.removeEventListener("abort", onJobAbort);
		}
	}

	/**
	 * The animated preview (preview.ts); a bonus like speech: a failure leaves the video without one,
	 * never fails it. It gets at most half of what is left of the job's budget (and never more than
	 * PREVIEW_MAX_MS: 3 s of video encode in well under a second), so it cannot run the job out of time.
	 */
	private async makePreview(job: Job, sourcePath: string, outDir: string): Promise<void> {
		const leftMs = this.config.maxJobSeconds * 1000 - (performance.now() - job.startedAt);
		const allowedMs = Math.min(leftMs / 2, PREVIEW_MAX_MS);
		if (allowedMs < 1000) return;
		const stop = new AbortController();
		const timer = setTimeout(() => stop.abort(), allowedMs);
		const onJobAbort = () => stop.abort();
		job.abort.signal.addEventListener("abort", onJobAbort, { once: true });
		try {
			const startS = previewStart(await lowestRungSegmentBytes(outDir, job.plan), job.plan.segmentSeconds, job.plan.durationS);
			await runFfmpeg(previewArgs(sourcePath, outDir, job.plan, job.demuxer, startS), {
				durationS: PREVIEW_SECONDS,
				signal: stop.signal,
				onProgress: () => undefined,
			});
		} catch (err) {
			if (job.abort.signal.aborted) throw err; // the job itself was stopped: not the preview's failure
			await rm(join(outDir, OUTPUT.preview), { force: true });
			const why = stop.signal.aborted ? `stopped after ${Math.round(allowedMs)} ms` : (err as Error).message;
			console.warn(JSON.stringify({ level: "warn", msg: "preview_failed", job: job.id, error: why }));
		} finally {
			clearTimeout(timer);
			job.abort.signal.removeEventListener("abort", onJobAbort);
		}
	}

	private readonly refreshing = new WeakSet<Job>();

	/** Rereads what the muxer has finished (on each progress report, about twice a second); wakes long polls on a new segment. */
	private async refreshProgressive(job: Job, outDir: string): Promise<void> {
		if (this.refreshing.has(job)) return;
		this.refreshing.add(job);
		try {
			const next = await progressiveOutputs(outDir, job.plan);
			if (job.state !== "running" || !next) return;
			const grew = next.files.length > (job.progressive?.files.length ?? 0);
			job.progressive = next;
			if (grew) wake(job.waiters);
		} catch {
			// A read raced the end of the job (its folder removed): the final outputs supersede this anyway.
		} finally {
			this.refreshing.delete(job);
		}
	}

	/**
	 * Resolves once the job has ended, its progress is past `after` by at least
	 * 1 % or a segment was finished, or after `waitMs`: a long poll, so the Worker hears of the end at once
	 * and asks about a long job a bounded number of times.
	 */
	async waitForChange(job: Job, after: number, waitMs: number): Promise<void> {
		const published = job.progressive?.files.length ?? 0;
		await waitWhile(
			job.waiters,
			() => job.state === "running" && job.progress < after + 0.01 && (job.progressive?.files.length ?? 0) === published,
			waitMs,
		);
	}

	/** The on-disk path of a listed output (a finished job's, or a running job's finished segment), or undefined. */
	filePath(job: Job, path: string): { path: string; file: Pick<OutputFile, "contentType" | "bytes"> } | undefined {
		const listed = job.state === "done" ? job.files : job.state === "running" ? (job.progressive?.files ?? []) : [];
		const file = listed.find((f) => f.path === path);
		if (file) return { path: join(job.dir, "out", file.path), file };
		// The speech chunks live beside the outputs, not among them.
		const chunk = job.state === "done" ? job.speechAudio.find((c) => c.path === path) : undefined;
		return chunk && { path: join(job.dir, chunk.path), file: chunk };
	}

	/** Forgets a job and reclaims its disk; a running FFmpeg is killed. */
	async remove(id: string): Promise<boolean> {
		const job = this.jobs.get(id);
		if (!job) return false;
		this.jobs.delete(id);
		job.abort.abort();
		wake(job.waiters);
		// Let the killed FFmpeg go first: removing its folder while it still writes fails (ENOTEMPTY) or leaves files behind.
		await job.encoded;
		await rm(job.dir, { recursive: true, force: true });
		return true;
	}

	async sweep(now = performance.now()): Promise<void> {
		const ttlMs = this.config.jobRetentionSeconds * 1000;
		for (const job of [...this.jobs.values()]) {
			if (job.finishedAt !== undefined && now - job.finishedAt > ttlMs) await this.remove(job.id);
		}
	}

	async close(): Promise<void> {
		clearInterval(this.sweeper);
		await Promise.all([...this.jobs.keys()].map((id) => this.remove(id)));
	}
}
