// Reels as a grid of thumbnails, each a link to the reel with its view count over it, as the big
// apps show a profile; search results also say what each reel is and whose (`withDetails`).
// Pictures through /img with a srcset from the allowed widths; the video's animated preview plays
// over its picture on hover or in view (GridPreview).
import { useRef } from "preact/hooks";
import { profilePath } from "../lib/api";
import { imgSrc, imgSrcSet } from "../lib/media";
import type { Reel } from "../lib/types";
import { GridPreview } from "./GridPreview";
import { Icon } from "./Icon";

const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });

export function ReelGrid({ reels, label, withDetails = false }: { reels: Reel[]; label: string; withDetails?: boolean }) {
	return (
		<ul class="grid grid-cols-3 gap-1" aria-label={label}>
			{reels.map((r) => (
				<GridTile key={r.id} reel={r} withDetails={withDetails} />
			))}
		</ul>
	);
}

function GridTile({ reel: r, withDetails }: { reel: Reel; withDetails: boolean }) {
	const link = useRef<HTMLAnchorElement>(null);
	return (
		<li class="min-w-0">
			<a
				ref={link}
				href={`/reel/${r.id}`}
				class="relative block aspect-[9/16] overflow-hidden rounded bg-white/5"
				aria-label={`${r.caption || "A reel"}, ${r.viewCount} views`}
			>
				{r.video.thumbnail ? (
					<img
						src={imgSrc(r.video.thumbnail, 320)}
						srcSet={imgSrcSet(r.video.thumbnail)}
						sizes="(min-width: 768px) 240px, 33vw"
						alt=""
						loading="lazy"
						class="h-full w-full object-cover"
					/>
				) : (
					<span class="flex h-full items-center justify-center text-xs text-white/50">{r.video.status}</span>
				)}
				{r.video.preview ? <GridPreview src={r.video.preview} tile={link} /> : null}
				<span
					class="absolute bottom-1 left-1 flex items-center gap-0.5 text-xs font-semibold drop-shadow-[0_1px_2px_rgba(0,0,0,0.9)]"
					aria-hidden="true"
					data-view-count
				>
					<Icon name="play" size={14} />
					{compact.format(r.viewCount)}
				</span>
			</a>
			{withDetails ? (
				<div class="mt-1 px-0.5 text-xs">
					<p class="line-clamp-2 break-words text-white/90">{r.caption}</p>
					<a href={profilePath(r.author)} class="block truncate text-white/60">
						@{r.author.handle}
					</a>
				</div>
			) : null}
		</li>
	);
}
