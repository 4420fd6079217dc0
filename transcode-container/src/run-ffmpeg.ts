import { lastLines, startFfmpeg } from "./ffmpeg-process.ts";
import { progressReader } from "./ffmpeg-progress.ts";

export class FfmpegFailed extends Error {
	/** Killed by a signal (out of memory, the instance stopping): worth another try. Otherwise the media is at fault. */
	readonly transient: boolean;
	constructor(message: string, transient: boolean) {
		super(message);
		this.transient = transient;
		this.name = "FfmpegFailed";
	}
}

/** Runs ffmpeg with `args` (which must include `-progress pipe:1`), reporting progress; rejects with FfmpegFailed. */
export async function runFfmpeg(
	args: string[],
	{ durationS, onProgress, signal }: { durationS: number; onProgress: (fraction: number) => void; signal?: AbortSignal },
): Promise<void> {
	const { child, exited } = startFfmpeg(args, { stdout: "pipe", signal });
	child.stdout?.setEncoding("utf8").on("data", progressReader(durationS, onProgress));
	const exit = await exited;
	if (exit.code === 0) return;
	if (exit.code === -1) throw new FfmpegFailed(`ffmpeg could not run: ${exit.stderr}`, true);
	if (exit.signal) throw new FfmpegFailed(`ffmpeg was stopped by ${exit.signal}`, true);
	throw new FfmpegFailed(`ffmpeg exited with ${exit.code}: ${exit.stderr.trim() ? lastLines(exit, 3) : "no output"}`, false);
}
