// The live encodes on one instance (a "live encode": what this service makes of
// one generation of a live stream). The Worker's LiveStream Durable Object sends
// the publisher's bytes here chunk by chunk, numbered, and polls for what has
// been published; this side runs one FFmpeg per publisher session
// (`live-encoder.ts`) and keeps the HLS ladder on disk until the Worker has
// copied it.
//
// Chunks are numbered per session (a publisher connection): a chunk sent twice
// (a retried request) is acknowledged without being written again, a gap is
// refused, and a new session ends the previous FFmpeg and starts one that
// appends to the same playlists. Only the Worker ends a stream (or this side,
// when nothing has arrived for `liveIdleSeconds`: the Worker is gone).
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { TranscoderConfig } from "../config.ts";
import { ffmpegSucceeds, lastLines } from "../ffmpeg-process.ts";
import { type Waiters, waitWhile, wake } from "../long-poll.ts";
import type { OutputFile, ProgressiveOutputs } from "../package-outputs.ts";
import { LIVE_OUTPUT, liveFfmpegArgs, livePosterArgs } from "./live-command.ts";
import { LiveEncoder } from "./live-encoder.ts";
import { SessionHead } from "./live-head.ts";
import { planLiveLadder } from "./live-ladder.ts";
import { type LiveLadder, liveOutputs, playlistSeconds } from "./live-outputs.ts";
import { UnsupportedStream } from "./live-source.ts";

/** How often a running stream's playlists are reread. */
const REFRESH_MS = 150;

export type LiveState = "waiting" | "live" | "ended" | "failed";

export interface LiveError {
	code: string;
	message: string;
}

/** A chunk this stream cannot take; `status` is the HTTP answer. */
export class ChunkRefused extends Error {
	readonly status: number;
	readonly code: string;
	constructor(status: number, code: string, message: string) {
		super(message);
		this.status = status;
		this.code = code;
		this.name = "ChunkRefused";
	}
}

interface Session {
	index: number;
	nextSeq: number;
	/** The first bytes, held until they show what the session carries. */
	head: SessionHead;
	/** Started once the head shows what the session carries. */
	encoder?: LiveEncoder;
}

interface LiveEncode {
	id: string;
	dir: string;
	state: LiveState;
	session: Session;
	ladder?: LiveLadder;
	/** FFmpeg runs started: after the first, each appends to the same playlists. */
	encodes: number;
	outputs: ProgressiveOutputs | null;
	durationS: number | null;
	error?: LiveError;
	bytesIn: number;
	lastChunkAt: number;
	startedAt: number;
	endedAt?: number;
	/** Chunks and the end are handled one at a time, in order. */
	lock: Promise<unknown>;
	refresher?: NodeJS.Timeout;
	waiters: Waiters;
}

export interface LiveView {
	id: string;
	state: LiveState;
	session: number;
	nextSeq: number;
	bytesIn: number;
	outputs: ProgressiveOutputs | null;
	durationS: number | null;
	error?: LiveError;
}

/** Still taking bytes (the state is re-read after an await, where TypeScript's narrowing would go stale). */
const isOpen = (s: { state: LiveState }): boolean => s.state === "waiting" || s.state === "live";

const newSession = (dir: string, index: number): Session => ({
	index,
	nextSeq: 0,
	head: new SessionHead(join(dir, `session-${index}.head`)),
});

export class LiveEncodes {
	private readonly streams = new Map<string, LiveEncode>();
	private readonly sweeper: NodeJS.Timeout;

	private readonly config: TranscoderConfig;

	constructor(config: TranscoderConfig) {
		this.config = config;
		this.sweeper = setInterval(() => void this.sweep(), 5_000).unref();
	}

	get(id: string): LiveEncode | undefined {
		return this.streams.get(id);
	}

	/** Streams still taking bytes: each holds an FFmpeg and one of `maxLiveStreams`. */
	get active(): number {
		return [...this.streams.values()].filter((s) => isOpen(s)).length;
	}

	view(s: LiveEncode): LiveView {
		const { id, state, session, bytesIn, outputs, durationS, error } = s;
		return { id, state, session: session.index, nextSeq: session.nextSeq, bytesIn, outputs, durationS, error };
	}

	/** Takes chunk `seq` of publisher session `session`; creates the stream on its first chunk. */
	async chunk(id: string, session: number, seq: number, bytes: Buffer): Promise<LiveView> {
		let stream = this.streams.get(id);
		if (!stream) {
			if (this.active >= this.config.maxLiveStreams) throw new ChunkRefused(429, "busy", "every live slot is in use");
			stream = await this.create(id, session);
		}
		const s = stream;
		return this.locked(s, async () => {
			if (s.state === "ended" || s.state === "failed") throw new ChunkRefused(409, s.error?.code ?? "stream_ended", "the stream has ended");
			if (session < s.session.index) throw new ChunkRefused(409, "stale_session", `session ${session} was replaced by ${s.session.index}`);
			if (session > s.session.index) {
				await this.stopSession(s);
				// A session replaced before its head showed video leaves no head file behind.
				await s.session.head.discard();
				s.session = newSession(s.dir, session);
			}
			if (seq < s.session.nextSeq) return this.view(s); // a retried request: already written
			if (seq > s.session.nextSeq) throw new ChunkRefused(409, "out_of_order", `expected chunk ${s.session.nextSeq}, got ${seq}`);
			s.session.nextSeq++;
			s.bytesIn += bytes.length;
			s.lastChunkAt = performance.now();
			try {
				await this.feed(s, bytes);
			} catch (err) {
				if (!(err instanceof UnsupportedStream)) throw err;
				await this.fail(s, { code: err.code, message: err.message });
				throw new ChunkRefused(422, err.code, err.message);
			}
			return this.view(s);
		});
	}

	/** No more bytes: FFmpeg finishes the last segment, the playlists get ENDLIST and the recording a poster. */
	async end(id: string): Promise<LiveView | undefined> {
		const s = this.streams.get(id);
		if (!s) return undefined;
		return this.locked(s, async () => {
			if (isOpen(s)) await this.finish(s);
			return this.view(s);
		});
	}

	/** Resolves once more than `after` files are published, the stream leaves `live`, or `waitMs` passes. */
	async waitForChange(s: LiveEncode, after: number, waitMs: number): Promise<void> {
		const state = s.state;
		await waitWhile(s.waiters, () => s.state === state && (s.outputs?.files.length ?? 0) <= after, waitMs);
	}

	filePath(s: LiveEncode, path: string): { path: string; file: OutputFile } | undefined {
		const file = s.outputs?.files.find((f) => f.path === path);
		return file && { path: join(s.dir, "out", file.path), file };
	}

	/** Forgets a stream and reclaims its disk; its FFmpeg is killed. */
	async remove(id: string): Promise<boolean> {
		const s = this.streams.get(id);
		if (!s) return false;
		this.streams.delete(id);
		await this.kill(s);
		if (isOpen(s)) s.state = "failed";
		wake(s.waiters);
		await rm(s.dir, { recursive: true, force: true });
		return true;
	}

	async sweep(now = performance.now()): Promise<void> {
		for (const s of [...this.streams.values()]) {
			const open = isOpen(s);
			if (open && now - s.lastChunkAt > this.config.liveIdleSeconds * 1000) await this.end(s.id);
			else if (open && now - s.startedAt > this.config.maxLiveSeconds * 1000) await this.end(s.id);
			else if (!open && s.endedAt !== undefined && now - s.endedAt > this.config.jobRetentionSeconds * 1000) await this.remove(s.id);
		}
	}

	async close(): Promise<void> {
		clearInterval(this.sweeper);
		await Promise.all([...this.streams.keys()].map((id) => this.remove(id)));
	}

	private async create(id: string, session: number): Promise<LiveEncode> {
		await mkdir(this.config.workDir, { recursive: true });
		const dir = await mkdtemp(join(this.config.workDir, `live-${id}-`));
		// Two first chunks raced in (a retried request): the one already made wins.
		const raced = this.streams.get(id);
		if (raced) {
			await rm(dir, { recursive: true, force: true });
			return raced;
		}
		const now = performance.now();
		const stream: LiveEncode = {
			id,
			dir,
			state: "waiting",
			session: newSession(dir, session),
			outputs: null,
			encodes: 0,
			durationS: null,
			bytesIn: 0,
			lastChunkAt: now,
			startedAt: now,
			lock: Promise.resolve(),
			waiters: new Set(),
		};
		this.streams.set(id, stream);
		return stream;
	}

	private locked<T>(s: LiveEncode, fn: () => Promise<T>): Promise<T> {
		const run = s.lock.then(fn, fn);
		s.lock = run.catch(() => undefined);
		return run;
	}

	private async feed(s: LiveEncode, bytes: Buffer): Promise<void> {
		const session = s.session;
		if (session.encoder) return session.encoder.write(bytes);
		const probe = await session.head.add(bytes);
		if (!probe) return;
		if (!s.ladder) s.ladder = { rungs: planLiveLadder(probe.width, probe.height), hasAudio: probe.hasAudio };
		else if (s.ladder.hasAudio !== probe.hasAudio) {
			throw new UnsupportedStream("tracks_changed", "a reconnecting publisher must send the same tracks (audio or not) as before");
		}
		// Taken once the encoder exists: a start that fails keeps the held bytes (and the head file) as they were.
		const encoder = await this.startEncoder(s, session, s.ladder);
		for (const b of await session.head.take()) await encoder.write(b);
	}

	private async startEncoder(s: LiveEncode, session: Session, ladder: LiveLadder): Promise<LiveEncoder> {
		const outDir = join(s.dir, "out");
		for (let i = 0; i < ladder.rungs.length; i++) await mkdir(join(outDir, LIVE_OUTPUT.rungDir(i)), { recursive: true });
		const args = liveFfmpegArgs(
			outDir,
			ladder.rungs,
			ladder.hasAudio,
			s.encodes++ > 0,
			this.config.x264Preset,
			session.head.demuxer ?? "mpegts",
		);
		const encoder = new LiveEncoder(args);
		session.encoder = encoder;
		void encoder.exited.then((exit) => {
			// Exits we did not ask for (stdin still open): the stream cannot go on.
			if (s.session === session && !encoder.stopping && isOpen(s)) {
				void this.fail(s, { code: "encode_failed", message: `ffmpeg stopped: ${lastLines(exit, 2)}` });
			}
		});
		s.refresher ??= setInterval(() => void this.refresh(s), REFRESH_MS);
		return encoder;
	}

	private async refresh(s: LiveEncode): Promise<void> {
		if (!s.ladder || !isOpen(s)) return;
		try {
			const next = await liveOutputs(join(s.dir, "out"), s.ladder, false);
			if (!next || !isOpen(s)) return;
			const grew = next.files.length > (s.outputs?.files.length ?? 0);
			s.outputs = next;
			if (s.state === "waiting") s.state = "live";
			if (grew) wake(s.waiters);
		} catch {
			// A playlist renamed while we read the folder: the next refresh sees it.
		}
	}

	/** Ends the current session's FFmpeg: it finishes its last segment and exits. */
	private async stopSession(s: LiveEncode): Promise<void> {
		await s.session.encoder?.stop();
	}

	private async finish(s: LiveEncode): Promise<void> {
		await this.stopSession(s);
		this.stopRefreshing(s);
		const outDir = join(s.dir, "out");
		const final = s.ladder ? await liveOutputs(outDir, s.ladder, true) : null;
		if (final) {
			const first = final.files[0];
			const poster = join(outDir, LIVE_OUTPUT.poster);
			if (first && (await ffmpegSucceeds(livePosterArgs(join(outDir, first.path), poster)))) {
				final.files.push({ path: LIVE_OUTPUT.poster, bytes: (await stat(poster)).size, contentType: "image/jpeg", role: "poster" });
			}
			s.durationS = playlistSeconds(final.playlists[0]?.text ?? "");
		}
		s.outputs = final;
		s.state = "ended";
		s.endedAt = performance.now();
		await s.session.head.discard();
		wake(s.waiters);
	}

	private async fail(s: LiveEncode, error: LiveError): Promise<void> {
		if (s.state === "ended" || s.state === "failed") return;
		s.state = "failed";
		s.error = error;
		s.endedAt = performance.now();
		await this.kill(s);
		// Nothing of a failed stream is collected: its disk goes now, the record stays for the Worker to read.
		await rm(s.dir, { recursive: true, force: true });
		s.outputs = null;
		wake(s.waiters);
	}

	private async kill(s: LiveEncode): Promise<void> {
		this.stopRefreshing(s);
		await s.session.encoder?.kill();
	}

	private stopRefreshing(s: LiveEncode): void {
		clearInterval(s.refresher);
		s.refresher = undefined;
	}
}
