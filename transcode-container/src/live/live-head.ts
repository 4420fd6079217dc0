// The first bytes of a publisher session, held until they show what the session carries: the
// container is sniffed from the first few (garbage is refused at once), then ffprobe looks at the
// head on disk each time it has doubled, until it finds a video stream (or 4 MiB show none). Only
// then can the ladder be planned and FFmpeg started, and the held bytes go to it first.
import { appendFile, rm, writeFile } from "node:fs/promises";
import { type LiveContainer, type LiveProbe, probeHead, SNIFF_BYTES, sniffContainer, UnsupportedStream } from "./live-source.ts";

/** Probing starts with this much of a session and is retried each time the head has doubled. */
const FIRST_PROBE_BYTES = 32 * 1024;
/** A session whose first bytes show no video stream by then is not one. */
export const MAX_HEAD_BYTES = 4 * 1024 * 1024;

export class SessionHead {
	/** The demuxer the first bytes showed (input-format.ts): every FFmpeg and ffprobe run of the session is pinned to it. */
	demuxer: LiveContainer | null = null;
	private parts: Buffer[] = [];
	private bytes = 0;
	/** Bytes of the head when ffprobe last looked at it. */
	private probedAt = 0;
	private readonly path: string;

	/** `path`: where the head is written for ffprobe. */
	constructor(path: string) {
		this.path = path;
	}

	/** Holds `bytes`; resolves with what the session carries once the head shows it, else null (send more). */
	async add(bytes: Buffer): Promise<LiveProbe | null> {
		this.parts.push(bytes);
		this.bytes += bytes.length;
		if (this.bytes < SNIFF_BYTES) return null;
		if (!this.demuxer) {
			const head = Buffer.concat(this.parts);
			this.demuxer = sniffContainer(head);
			if (!this.demuxer) throw new UnsupportedStream("not_media", "the stream is not MPEG-TS, fragmented MP4 or WebM");
			await writeFile(this.path, head);
		} else await appendFile(this.path, bytes);
		if (this.bytes < Math.max(FIRST_PROBE_BYTES, this.probedAt * 2)) return null;
		this.probedAt = this.bytes;
		const probe = await probeHead(this.path, this.demuxer);
		if (!probe && this.bytes > MAX_HEAD_BYTES) {
			throw new UnsupportedStream("unreadable_stream", `no video stream in the first ${MAX_HEAD_BYTES} bytes`);
		}
		return probe;
	}

	/** The bytes held so far, in order, handed over once (to the encoder); the file on disk goes. */
	async take(): Promise<Buffer[]> {
		const held = this.parts;
		this.parts = [];
		await this.discard();
		return held;
	}

	async discard(): Promise<void> {
		await rm(this.path, { force: true });
	}
}
