// One publisher session's FFmpeg: it reads the session's bytes on stdin and
// appends to the stream's HLS playlists. Writing waits for FFmpeg to take the
// bytes (so a slow encode slows the publisher), stopping lets it finish its last
// segment, killing does not.
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { type FfmpegExit, startFfmpeg } from "../ffmpeg-process.ts";

export class LiveEncoder {
	readonly exited: Promise<FfmpegExit>;
	private readonly child: ChildProcess;
	private readonly stdin: Writable;
	/** Set by stop() and kill(): an exit after that is the end we asked for. */
	private asked = false;

	constructor(args: string[]) {
		const { child, exited } = startFfmpeg(args, { stdin: "pipe" });
		this.child = child;
		this.exited = exited;
		this.stdin = child.stdin as Writable;
	}

	/**
	 * Whether we asked it to stop: an exit after that is the end, not a failure. Not read from stdin's
	 * state: Node destroys a child's stdin when it exits, so every exit would look asked for.
	 */
	get stopping(): boolean {
		return this.asked;
	}

	/** Hands FFmpeg the next bytes; resolves once it has taken them or has gone. */
	async write(bytes: Buffer): Promise<void> {
		if (this.asked || this.stdin.writableEnded || this.stdin.destroyed) return;
		if (!this.stdin.write(bytes)) await Promise.race([once(this.stdin, "drain"), this.exited]);
	}

	/** No more bytes: FFmpeg finishes its last segment and exits. */
	async stop(): Promise<FfmpegExit> {
		this.asked = true;
		this.stdin.end();
		return this.exited;
	}

	/** Gone now, whatever it was writing. */
	async kill(): Promise<void> {
		this.asked = true;
		this.stdin.destroy();
		this.child.kill("SIGKILL");
		await this.exited;
	}
}
