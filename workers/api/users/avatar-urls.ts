// Avatars are image assets of the media plane (D1): the /cdn paths of many, in one query.
import { inArray } from "drizzle-orm";
import { cdnUrl } from "../../cdn/cdn-key";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";

/** The /cdn path of each public image among `ids` (nulls and duplicates allowed); nothing to read, no query. */
export async function publicImageUrls(env: Env, ids: (string | null | undefined)[]): Promise<Map<string, string>> {
	const wanted = [...new Set(ids.filter((id): id is string => Boolean(id)))];
	if (!wanted.length) return new Map();
	const rows = await mediaDb(env).query.assets.findMany({
		where: inArray(assets.id, wanted),
		columns: { id: true, r2Key: true, access: true },
	});
	return new Map(rows.filter((a) => a.access === "public").map((a) => [a.id, cdnUrl(a.r2Key)]));
}

/** The /cdn path of one public image, or null (no id, or not public): one query when there is an id. */
export async function publicImageUrl(env: Env, id: string | null): Promise<string | null> {
	return (id && (await publicImageUrls(env, [id])).get(id)) || null;
}
