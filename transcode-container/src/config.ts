// Every setting comes from the environment (the container's env or the local
// process's), with defaults that suit a single small instance.
export interface TranscoderConfig {
	port: number;
	host: string;
	workDir: string;
	maxSourceBytes: number;
	maxSourceSeconds: number;
	/**
	 * The longest source kept to be trimmed: a video longer than its limit but within this one is
	 * refused as `too_long` with `trimmable: true`, and a clip of it (within the limit) can be made.
	 */
	maxOriginalSeconds: number;
	maxConcurrentJobs: number;
	/** x264 speed/size trade-off; "veryfast" keeps a 2-core instance faster than realtime on 720p. */
	x264Preset: string;
	/**
	 * Wall-clock budget of one job's encode. A job past it is killed and fails with
	 * `time_budget_exceeded`, so a pathological source cannot hold a slot for ever.
	 */
	maxJobSeconds: number;
	/** Live streams encoding at once (each runs one FFmpeg for as long as it lasts). */
	maxLiveStreams: number;
	/** A live stream that has received nothing for this long is ended here (the Worker that fed it is gone). */
	liveIdleSeconds: number;
	/** The longest a live stream may last before it is ended. */
	maxLiveSeconds: number;
	/** How long finished jobs wait for the Worker to collect their files before their disk is reclaimed. */
	jobRetentionSeconds: number;
	/** PocketSphinx's en-us model (pocketsphinx-en-us); null: no speech recognition here. */
	speechModelDir: string | null;
	/**
	 * Who recognises speech: `pocketsphinx` here (offline, the local stack's), or `workers-ai`: the
	 * audio is handed to the Worker in chunks and Whisper on Workers AI recognises it (production).
	 */
	speechRecogniser: "pocketsphinx" | "workers-ai";
}

const X264_PRESETS = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
	const raw = env[name];
	if (raw === undefined || raw === "") return fallback;
	const n = Number(raw);
	if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
	return n;
}

function presetFrom(raw: string | undefined): string {
	if (raw === undefined || raw === "") return "veryfast";
	if (!X264_PRESETS.includes(raw)) throw new Error(`X264_PRESET must be one of ${X264_PRESETS.join(", ")}, got "${raw}"`);
	return raw;
}

function recogniserFrom(raw: string | undefined): TranscoderConfig["speechRecogniser"] {
	if (raw === undefined || raw === "" || raw === "pocketsphinx") return "pocketsphinx";
	if (raw === "workers-ai") return raw;
	throw new Error(`SPEECH_RECOGNISER must be pocketsphinx or workers-ai, got "${raw}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TranscoderConfig {
	return {
		port: intFrom(env, "PORT", 8080),
		host: env.HOST || "0.0.0.0",
		workDir: env.TRANSCODER_WORK_DIR || "/tmp/reels-transcoder",
		maxSourceBytes: intFrom(env, "MAX_SOURCE_BYTES", 512 * 1024 * 1024),
		maxSourceSeconds: intFrom(env, "MAX_SOURCE_SECONDS", 180),
		// Ten minutes: a phone recording to trim a reel from. A clip job reads the whole source (spool,
		// probe) but encodes only its range, so this bounds the disk and the probe, not the encode.
		maxOriginalSeconds: intFrom(env, "MAX_ORIGINAL_SECONDS", 600),
		maxConcurrentJobs: intFrom(env, "MAX_CONCURRENT_JOBS", 2),
		x264Preset: presetFrom(env.X264_PRESET),
		jobRetentionSeconds: intFrom(env, "JOB_RETENTION_SECONDS", 900),
		maxLiveStreams: intFrom(env, "MAX_LIVE_STREAMS", 4),
		// Longer than the Worker's reconnect grace (10 s), so only a Worker that is gone runs into it.
		liveIdleSeconds: intFrom(env, "LIVE_IDLE_SECONDS", 30),
		maxLiveSeconds: intFrom(env, "MAX_LIVE_SECONDS", 4 * 3600),
		// 180 s of 1080p runs at about 1x realtime on the production instance (docs/operations.md);
		// 600 s leaves room for a slow instance and stays inside one consumer invocation's 15 minutes.
		maxJobSeconds: intFrom(env, "MAX_JOB_SECONDS", 600),
		speechModelDir: env.SPEECH_MODEL_DIR === "off" ? null : env.SPEECH_MODEL_DIR || "/usr/share/pocketsphinx/model/en-us",
		speechRecogniser: recogniserFrom(env.SPEECH_RECOGNISER),
	};
}
