// The upload page's trim control: where the reel starts and ends, with the chosen range playing in a
// loop beside it. Posting a trimmed reel sends `clip: {start, end}` (the server makes that range a
// video of its own, exact to the frame: docs/clips.md). The preview is the file on this device, so
// trimming costs no request until the reel is posted.
import { useEffect, useRef, useState } from "preact/hooks";

export interface Range {
	start: number;
	end: number;
}

/** The shortest reel a trim leaves (the server's own floor). */
const MIN_SECONDS = 0.5;

const clockTenths = (s: number) => `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, "0")}`;

/** A range that keeps the whole video is no trim at all. */
export const isTrim = (range: Range | null, duration: number) => !!range && (range.start > 0.05 || range.end < duration - 0.05);

/**
 * `maxSeconds`: the longest part that may be kept (a video too long to post whole): the range starts
 * as its first `maxSeconds`, and moving one end past that length drags the other along.
 * `knownDuration`: the length the server measured, used at once (and kept) rather than the browser's:
 * a browser that cannot decode the file (HEVC from an iPhone in Chromium) still gets the sliders.
 */
export function TrimControl({
	src,
	onChange,
	maxSeconds,
	knownDuration,
}: {
	src: string;
	onChange: (range: Range | null, duration: number) => void;
	maxSeconds?: number;
	knownDuration?: number;
}) {
	const video = useRef<HTMLVideoElement>(null);
	const [duration, setDuration] = useState(0);
	const [range, setRange] = useState<Range>({ start: 0, end: 0 });
	const longest = maxSeconds ?? Number.POSITIVE_INFINITY;

	/** The whole video is `d` long: the range starts as all of it, or (too long) its first part that fits, already a trim. */
	const measured = (d: number) => {
		setDuration(d);
		if (d > longest) set({ start: 0, end: longest }, d);
		else setRange({ start: 0, end: d });
	};
	useEffect(() => {
		if (knownDuration) measured(knownDuration);
	}, [knownDuration]);

	// The chosen range loops: past its end, back to its start.
	useEffect(() => {
		const v = video.current;
		if (!v || duration === 0) return;
		const loop = () => {
			if (v.currentTime >= range.end || v.currentTime < range.start - 0.05) v.currentTime = range.start;
		};
		v.addEventListener("timeupdate", loop);
		return () => v.removeEventListener("timeupdate", loop);
	}, [range, duration]);

	function set(next: Range, d = duration) {
		setRange(next);
		onChange(isTrim(next, d) ? next : null, d);
		if (video.current) video.current.currentTime = next.start;
	}

	return (
		<fieldset class="flex flex-col gap-2 rounded-lg border border-white/20 p-3" data-trim>
			<legend class="px-1 text-sm text-white/80">Trim</legend>
			<div class="flex gap-3">
				<video
					ref={video}
					src={src}
					muted
					loop
					playsInline
					autoPlay
					preload="metadata"
					class="h-40 w-auto shrink-0 rounded-lg bg-black object-contain"
					aria-label="The trimmed reel, looping"
					onLoadedMetadata={(e) => {
						const d = (e.currentTarget as HTMLVideoElement).duration;
						if (!Number.isFinite(d) || knownDuration) return;
						measured(d);
					}}
				/>
				{duration >= MIN_SECONDS * 2 ? (
					<div class="flex min-w-0 flex-1 flex-col gap-2">
						<label class="flex flex-col gap-1 text-sm text-white/80">
							<span>Start</span>
							<input
								type="range"
								min={0}
								max={duration}
								step={0.1}
								value={range.start}
								aria-valuetext={clockTenths(range.start)}
								onInput={(e) => {
									const start = Math.max(0, Math.min(Number(e.currentTarget.value), range.end - MIN_SECONDS));
									set({ start, end: Math.min(range.end, start + longest) });
								}}
							/>
						</label>
						<label class="flex flex-col gap-1 text-sm text-white/80">
							<span>End</span>
							<input
								type="range"
								min={0}
								max={duration}
								step={0.1}
								value={range.end}
								aria-valuetext={clockTenths(range.end)}
								onInput={(e) => {
									const end = Math.min(duration, Math.max(Number(e.currentTarget.value), range.start + MIN_SECONDS));
									set({ start: Math.max(range.start, end - longest), end });
								}}
							/>
						</label>
						<p class="text-sm text-white/60">
							{isTrim(range, duration)
								? `Keeps ${clockTenths(range.start)} to ${clockTenths(range.end)} (${(range.end - range.start).toFixed(1)} s). It gets its own cover and subtitles made from what it says.`
								: "The whole video."}
						</p>
					</div>
				) : null}
			</div>
		</fieldset>
	);
}
