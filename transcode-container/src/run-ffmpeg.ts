import { spawn } from "node:child_process";
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

const STDERR_TAIL_CHARS = 2000;

/** Runs ffmpeg with `args` (which must include `-progress pipe:1`), reporting progress; rejects with FfmpegFailed. */
export function runFfmpeg(
	args: string[],
	{ durationS, onProgress, signal }: { durationS: number; onProgress: (fraction: number) => void; signal?: AbortSignal },
): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn("ffmpeg", args, { stdio: ["ignore", "pipe", "pipe"], signal, killSignal: "SIGKILL" });
		const read = progressReader(durationS, onProgress);
		let stderr = "";
		child.stdout.setEncoding("utf8").on("data", read);
		child.stderr.setEncoding("utf8").on("data", (d: string) => {
			stderr = (stderr + d).slice(-STDERR_TAIL_CHARS);
		});
		child.on("error", (err) => reject(new FfmpegFailed(`ffmpeg could not run: ${err.message}`, true)));
		child.on("close", (code, sig) => {
			if (code === 0) return resolve();
			const detail = stderr.trim().split("\n").slice(-3).join(" | ") || "no output";
			if (sig) reject(new FfmpegFailed(`ffmpeg was stopped by ${sig}`, true));
			else reject(new FfmpegFailed(`ffmpeg exited with ${code}: ${detail}`, false));
		});
	});
}
