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

	constructor(args: string[]) {
		const { child, exited } = startFfmpeg(args, { stdin: "pipe" });
		this.child = child;
		this.exited = exited;
		this.stdin = child.stdin as Writable;
	}

	/** Whether we asked it to stop (an exit after that is the end, not a failure). */
	get stopping(): boolean {
		return this.stdin.writableEnded || this.stdin.destroyed;
	}

	/** Hands FFmpeg the next bytes; resolves once it has taken them or has gone. */
	async write(bytes: Buffer): Promise<void> {
		if (this.stopping) return;
		if (!this.stdin.write(bytes)) await Promise.race([once(this.stdin, "drain"), this.exited]);
	}

	/** No more bytes: FFmpeg finishes its last segment and exits. */
	async stop(): Promise<FfmpegExit> {
		this.stdin.end();
		return this.exited;
	}

	/** Gone now, whatever it was writing. */
	async kill(): Promise<void> {
		this.stdin.destroy();
		this.child.kill("SIGKILL");
		await this.exited;
	}
}
