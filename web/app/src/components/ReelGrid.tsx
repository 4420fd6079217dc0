// Reels as a grid of thumbnails, each a link to the reel: a profile's reels and
// search results. Pictures through /img with a srcset from the allowed widths.
import { imgSrc, imgSrcSet } from "../lib/media";
import type { Reel } from "../lib/types";

export function ReelGrid({ reels, label }: { reels: Reel[]; label: string }) {
	return (
		<ul class="grid grid-cols-3 gap-1" aria-label={label}>
			{reels.map((r) => (
				<li key={r.id}>
					<a href={`/reel/${r.id}`} class="block aspect-[9/16] overflow-hidden rounded bg-white/5" aria-label={r.caption || "A reel"}>
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
					</a>
				</li>
			))}
		</ul>
	);
}
