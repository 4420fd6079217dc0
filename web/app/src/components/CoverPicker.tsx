// The upload page's cover picker: a strip of the video's frames, read from its storyboard (one
// sprite sheet the transcoder made, a tile a second or so), and the chosen one becomes the cover.
// Choosing asks the server for the exact frame at that tile's time (PUT /api/videos/:id/poster), so
// the cover is full size and sharp, not the small tile.
import { useEffect, useState } from "preact/hooks";
import { answer, api } from "../lib/api";
import type { ApiError } from "../lib/problems";
import { clock, readCues } from "../lib/webvtt-cues";
import { ErrorText } from "./ui";

interface Tile {
	start: number;
	sprite: string;
	x: number;
	y: number;
	w: number;
	h: number;
}

/** The tiles a storyboard WebVTT points at (`storyboard.jpg#xywh=x,y,w,h`), its sprite resolved against the file's URL. */
export function storyboardTiles(vtt: string, vttUrl: string): Tile[] {
	return readCues(vtt).flatMap((cue) => {
		const m = /^([^#\s]+)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(cue.text);
		if (!m) return [];
		const [x, y, w, h] = [m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number];
		return [{ start: cue.start, sprite: new URL(m[1] as string, new URL(vttUrl, location.href)).toString(), x, y, w, h }];
	});
}

/** Tiles are shown this tall; the sprite is scaled to match. */
const TILE_HEIGHT = 80;

export function CoverPicker({ assetId }: { assetId: string }) {
	const [tiles, setTiles] = useState<Tile[]>([]);
	const [chosen, setChosen] = useState<number | null>(null);
	const [cover, setCover] = useState<string | null>(null);
	const [saving, setSaving] = useState(false);
	const [error, setError] = useState<string | null>(null);

	useEffect(() => {
		let gone = false;
		(async () => {
			const status = await answer(api.GET("/api/videos/{id}/status", { params: { path: { id: assetId } } }));
			if (!status.storyboard) return;
			const vtt = await (await fetch(status.storyboard)).text();
			if (!gone) {
				setTiles(storyboardTiles(vtt, status.storyboard));
				setCover(status.thumbnail);
			}
		})().catch(() => {
			if (!gone) setError("The video's frames could not be loaded; its cover stays as it is.");
		});
		return () => {
			gone = true;
		};
	}, [assetId]);

	if (tiles.length < 2) return error ? <ErrorText error={error} /> : null;
	const sheet = {
		w: Math.max(...tiles.map((t) => t.x + t.w)),
		h: Math.max(...tiles.map((t) => t.y + t.h)),
	};

	const choose = async (i: number) => {
		const tile = tiles[i];
		if (!tile || saving) return;
		setSaving(true);
		setError(null);
		try {
			const made = await answer(api.PUT("/api/videos/{id}/poster", { params: { path: { id: assetId } }, body: { time: tile.start } }));
			setCover(made.thumbnail);
			setChosen(i);
		} catch (e) {
			setError((e as ApiError).message);
		} finally {
			setSaving(false);
		}
	};

	return (
		<fieldset class="flex flex-col gap-2 rounded-lg border border-white/20 p-3" data-cover-picker>
			<legend class="px-1 text-sm text-white/80">Cover</legend>
			<div class="flex items-center gap-3">
				{cover ? <img src={cover} alt="The cover" class="h-24 w-auto shrink-0 rounded-lg" data-cover /> : null}
				<p class="text-sm text-white/60" role="status">
					{saving
						? "Saving the cover…"
						: chosen === null
							? "Pick the frame people see before they play it."
							: `Cover set to ${clock(tiles[chosen]?.start ?? 0)}.`}
				</p>
			</div>
			<div class="flex gap-1 overflow-x-auto pb-1" data-frames>
				{tiles.map((t, i) => {
					const scale = TILE_HEIGHT / t.h;
					return (
						<button
							key={t.start}
							type="button"
							// Toggle buttons, not radios: a radio group's arrow keys would save a cover at every step.
							aria-pressed={chosen === i}
							aria-label={`Frame at ${clock(t.start)}`}
							// Not `disabled`: that would drop the keyboard focus while the cover saves.
							aria-disabled={saving}
							onClick={() => void choose(i)}
							class={`shrink-0 rounded-md border-2 ${chosen === i ? "border-yellow-400" : "border-transparent"} aria-disabled:opacity-60`}
							style={{
								width: `${Math.round(t.w * scale)}px`,
								height: `${TILE_HEIGHT}px`,
								backgroundImage: `url("${t.sprite}")`,
								backgroundSize: `${Math.round(sheet.w * scale)}px ${Math.round(sheet.h * scale)}px`,
								backgroundPosition: `-${Math.round(t.x * scale)}px -${Math.round(t.y * scale)}px`,
							}}
						/>
					);
				})}
			</div>
			<ErrorText error={error} />
		</fieldset>
	);
}
