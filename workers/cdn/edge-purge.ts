// Dropping cached copies of media from the edge when access to it is withdrawn
// (a takedown, a reel made private or hidden, a purge).
//
// `caches.default` is per data centre: `cache.delete()` only reaches the one
// the Worker runs in. In production every cached copy carries the asset's
// Cache-Tag (media-access.ts cacheTagOf), and the zone's purge API drops them
// in every data centre with one call per 100 assets ("Purge cache by
// cache-tags", available on every plan: developers.cloudflare.com/cache/how-to/purge-cache/).
// That needs CACHE_PURGE_ZONE_ID (a var) and the CACHE_PURGE_API_TOKEN secret
// (a token with Cache Purge permission on the zone); docs/deploy.md.
//
// Without them (local development, tests), each known file's cache entries are
// deleted one by one, which is exactly right for the single local cache.
import { configOf } from "../lib/config/config";
import { logger } from "../lib/observability/logger";
import { deliveryCacheKey, signedDeliveryCacheKey } from "./cdn-key";
import { cacheTagOf } from "./media-access";

/** The purge API takes at most 100 tags per request (the same page). */
const TAGS_PER_REQUEST = 100;

export interface PurgeTarget {
	/** R2 keys of the files whose cached copies must go (originals and derived files). */
	keys: string[];
	/** Extra cache keys (image variants). */
	cacheKeys?: Request[];
}

/** Drops the cached copies of `target` everywhere the platform can reach; returns how it did it. */
export async function purgeFromEdge(env: Env, requestUrl: string, target: PurgeTarget): Promise<"tags" | "local"> {
	const zone = configOf(env).CACHE_PURGE_ZONE_ID;
	const token = env.CACHE_PURGE_API_TOKEN ?? "";
	if (zone && token) {
		const tags = [...new Set(target.keys.map(cacheTagOf))];
		for (let i = 0; i < tags.length; i += TAGS_PER_REQUEST) {
			const res = await fetch(`https://api.cloudflare.com/client/v4/zones/${zone}/purge_cache`, {
				method: "POST",
				headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
				body: JSON.stringify({ tags: tags.slice(i, i + TAGS_PER_REQUEST) }),
			});
			if (!res.ok) {
				// Not fatal for the caller's write; logged loudly so an operator sees a purge that did not happen.
				logger.error("edge_purge_failed", { status: res.status, body: (await res.text()).slice(0, 500) });
			} else await res.body?.cancel();
		}
		return "tags";
	}
	const deletes = target.keys.flatMap((key) => [deliveryCacheKey(requestUrl, key), signedDeliveryCacheKey(requestUrl, key)]);
	await Promise.all([...deletes, ...(target.cacheKeys ?? [])].map((k) => caches.default.delete(k)));
	return "local";
}
