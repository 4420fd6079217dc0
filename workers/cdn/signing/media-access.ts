// Who may fetch which bytes through /cdn and /img. Decided on a cache miss (a
// cache hit was allowed when it was stored, and every change that withdraws
// access purges the edge cache: edge-purge.ts):
//   - an original video (`YYYY/MM/DD/<uuid>.mp4|mov|webm`) only through a signed
//     URL, which the API gives its owner and admins: the source keeps what the
//     renditions drop (full quality, the phone's metadata);
//     (none at all once the video failed, even one kept to be trimmed);
//   - everything else by its asset's `access` (D1): `public` unsigned,
//     `signed` through a signed URL only, `blocked` never;
//   - bytes no asset owns are not served at all.
import { eq } from "drizzle-orm";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";

export type MediaAccess = "public" | "signed" | "blocked";

const ORIGINAL_VIDEO = /^\d{4}\/\d{2}\/\d{2}\/[0-9a-f-]{36}\.(mp4|mov|webm|m4v)$/;

/** An uploaded video's source file (never public). */
export const isOriginalVideo = (key: string) => ORIGINAL_VIDEO.test(key);

/** The asset id a key belongs to: the uuid after `YYYY/MM/DD/`. */
export const assetIdOfKey = (key: string) => key.slice(11, 47);

/** May this request read `key`? `signed`: it came with a valid signature for it. */
export async function mayRead(env: Env, key: string, signed: boolean): Promise<boolean> {
	const original = isOriginalVideo(key);
	if (original && !signed) return false;
	const row = await mediaDb(env).query.assets.findFirst({
		where: eq(assets.id, assetIdOfKey(key)),
		columns: { access: true, status: true },
	});
	if (row === undefined || row.access === "blocked") return false;
	// A failed video's original is read by nobody: one kept to be trimmed (transcoder/trimmable-originals.ts)
	// is only the transcoder's source, never hosting, even through a URL signed while it was processing.
	if (original && row.status === "failed") return false;
	return row.access === "public" || signed;
}

/** The cache tag every cached copy of an asset's files carries, so one purge by tag drops them all. */
export const cacheTagOf = (key: string) => `asset-${assetIdOfKey(key)}`;

/** A video's caption files carry this tag too: a caption change purges them alone, not the video's segments. */
export const captionCacheTagOf = (key: string) => `asset-${assetIdOfKey(key)}-captions`;

/** A video's cover pictures carry this tag too: a new cover purges them (and their /img variants) alone. */
export const coverCacheTagOf = (key: string) => `asset-${assetIdOfKey(key)}-cover`;

const isCaptionFile = (key: string) => key.includes("/captions/");
/** The poster and thumbnail in a video's folder: the transcoder's own and every chosen cover's (covers/set-cover.ts). */
const isCoverPicture = (key: string) => /^\d{4}\/\d{2}\/\d{2}\/[0-9a-f-]{36}\/(poster|thumb)(-[0-9a-f]{12})?\.jpg$/.test(key);

/** The Cache-Tag header of `key`'s responses (and of its /img variants): its asset's tag, and a caption file's or a cover picture's own. */
export function cacheTagsOf(key: string): string {
	if (isCaptionFile(key)) return `${cacheTagOf(key)},${captionCacheTagOf(key)}`;
	if (isCoverPicture(key)) return `${cacheTagOf(key)},${coverCacheTagOf(key)}`;
	return cacheTagOf(key);
}
