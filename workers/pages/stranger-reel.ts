// A reel as a stranger sees it: what a link preview, an embed or an oEmbed answer may show. Only
// public and unlisted reels that are playable and not hidden (anonymous `canSee`), with the media
// URLs any anonymous reader gets (signed and expiring for unlisted ones); nothing a signed-in
// person's view adds, so the page is the same for everyone and may be shared (shared-reads.ts).
import { desc, eq, sql } from "drizzle-orm";
import { toReel } from "../api/reels/reel-cards";
import { withMediaUrls } from "../api/reels/reel-media-access";
import type { Reel } from "../api/reels/reel-schemas";
import { reelById } from "../api/reels/reel-store";
import { mediaDb } from "../lib/media-db/media-db";
import { renditions } from "../lib/media-db/schema";
import type { RoutedDatabase } from "../lib/postgres/routed-database";
import { HttpProblem } from "../lib/problems/http-problem";

const STRANGER = { id: null, admin: false } as const;

/** The reel, or undefined when a stranger may not see it (or it has nothing to play yet). */
export async function reelForStrangers(env: Env, db: RoutedDatabase, id: string): Promise<Reel | undefined> {
	try {
		const reel = await withMediaUrls(env, toReel(await reelById(db, STRANGER, id)));
		return reel.video.hls ? reel : undefined;
	} catch (err) {
		if (err instanceof HttpProblem && err.status === 404) return undefined;
		throw err;
	}
}

export interface FrameSize {
	width: number;
	height: number;
}

/** The video's picture size: its top rendition, which is also its poster's size (one indexed D1 read). */
export async function pictureSize(env: Env, videoId: string): Promise<FrameSize | undefined> {
	const [top] = await mediaDb(env)
		.select({ width: renditions.width, height: renditions.height })
		.from(renditions)
		.where(eq(renditions.assetId, videoId))
		.orderBy(desc(sql`${renditions.width} * ${renditions.height}`))
		.limit(1);
	return top;
}

/** A reel's default frame when its size is unknown: portrait, 9:16. */
export const PORTRAIT: FrameSize = { width: 720, height: 1280 };
/** The long side of an embed when the consumer sets no bound. */
export const DEFAULT_LONG_SIDE = 640;

/**
 * The iframe's size for a picture of `size`: its long side DEFAULT_LONG_SIDE, then shrunk (never
 * grown, never distorted) to fit `maxWidth` × `maxHeight` (oEmbed's maxwidth and maxheight).
 */
export function fitFrame(size: FrameSize, maxWidth?: number, maxHeight?: number): FrameSize {
	let scale = DEFAULT_LONG_SIDE / Math.max(size.width, size.height);
	if (maxWidth !== undefined) scale = Math.min(scale, maxWidth / size.width);
	if (maxHeight !== undefined) scale = Math.min(scale, maxHeight / size.height);
	return { width: Math.max(1, Math.floor(size.width * scale)), height: Math.max(1, Math.floor(size.height * scale)) };
}
