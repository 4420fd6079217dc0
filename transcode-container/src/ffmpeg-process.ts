// The one way this service starts FFmpeg: every run keeps the tail of its error
// output (FFmpeg says why it failed in its last lines) and is killed outright
// when stopped, whatever it was doing. Jobs (`run-ffmpeg.ts`), live encodes
// (`live/live-encoder.ts`) and the live recording's poster all start it here.
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";

const STDERR_TAIL_CHARS = 2000;

export interface FfmpegExit {
	/** The exit code, null when a signal ended it, -1 when it could not start. */
	code: number | null;
	signal: NodeJS.Signals | null;
	/** The end of what it wrote to stderr (or why it could not start). */
	stderr: string;
}

export interface FfmpegProcess<C extends ChildProcess> {
	child: C;
	/** Resolves once the process is gone; never rejects. */
	exited: Promise<FfmpegExit>;
}

type Stdio = "pipe" | "ignore";

/** Starts `ffmpeg args`; stderr is always read (and only its tail kept), stdin and stdout as asked. */
export function startFfmpeg(
	args: string[],
	{ stdin = "ignore", stdout = "ignore", signal }: { stdin?: Stdio; stdout?: Stdio; signal?: AbortSignal } = {},
): FfmpegProcess<ChildProcess> {
	const child = spawn("ffmpeg", args, { stdio: [stdin, stdout, "pipe"], signal, killSignal: "SIGKILL" });
	let stderr = "";
	child.stderr?.setEncoding("utf8").on("data", (d: string) => {
		stderr = (stderr + d).slice(-STDERR_TAIL_CHARS);
	});
	// A reader that goes away mid-write (a publisher dropping) closes stdin under us: the caller sees the exit.
	child.stdin?.on("error", () => undefined);
	const exited = new Promise<FfmpegExit>((resolve) => {
		child.on("error", (err) => resolve({ code: -1, signal: null, stderr: err.message }));
		child.on("close", (code, sig) => resolve({ code, signal: sig, stderr }));
	});
	return { child, exited };
}

/** The last `n` non-empty lines of an exit's stderr, on one line, for an error message. */
export function lastLines({ stderr, code }: FfmpegExit, n: number): string {
	return stderr.trim().split("\n").slice(-n).join(" | ") || `exit ${code}`;
}

/** Runs ffmpeg to the end without output of its own: whether it succeeded. */
export async function ffmpegSucceeds(args: string[]): Promise<boolean> {
	return (await startFfmpeg(args).exited).code === 0;
}
