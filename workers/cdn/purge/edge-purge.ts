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
import { z } from "zod";
import { configOf } from "../../lib/config/config";
import { logger } from "../../lib/observability/logger";
import { deliveryCacheKey, signedDeliveryCacheKey } from "../cdn-key";
import { cacheTagOf } from "../signing/media-access";

/** The purge API takes at most 100 tags per request (the same page). */
const TAGS_PER_REQUEST = 100;

export interface PurgeTarget {
	/** R2 keys of the files whose cached copies must go (originals and derived files). */
	keys: string[];
	/** Extra cache keys (image variants). */
	cacheKeys?: Request[];
	/** Purge these tags rather than the keys' assets' (a caption change: `captionCacheTagOf`). */
	tags?: string[];
}

/** What the purge API said: done, or not now (429, 5xx, unreachable) and when to try again. */
export type PurgeAnswer = { ok: true } | { ok: false; status: number; retryAfterSeconds: number };

/** When the API gives no Retry-After: the Free plan's bucket refills 5 a minute. */
const DEFAULT_RETRY_S = 60;

/** One purge-by-tags call (at most TAGS_PER_REQUEST tags). */
export async function purgeTags(env: Env, tags: string[], fetcher: typeof fetch = fetch): Promise<PurgeAnswer> {
	const zone = configOf(env).CACHE_PURGE_ZONE_ID;
	let res: Response;
	try {
		res = await fetcher(`https://api.cloudflare.com/client/v4/zones/${zone}/purge_cache`, {
			method: "POST",
			headers: { authorization: `Bearer ${env.CACHE_PURGE_API_TOKEN ?? ""}`, "content-type": "application/json" },
			body: JSON.stringify({ tags }),
		});
	} catch {
		return { ok: false, status: 0, retryAfterSeconds: DEFAULT_RETRY_S };
	}
	if (res.ok) {
		await res.body?.cancel();
		return { ok: true };
	}
	const body = (await res.text()).slice(0, 500);
	const retryAfterSeconds = Math.min(3600, Number(res.headers.get("retry-after")) || DEFAULT_RETRY_S);
	// A refusal that waiting will not cure (a bad token, an unknown zone) is an operator's to fix: logged loudly.
	if (res.status !== 429 && res.status < 500) logger.error("edge_purge_refused", { status: res.status, body });
	else logger.warn("edge_purge_deferred", { status: res.status, retryAfterSeconds });
	return { ok: false, status: res.status, retryAfterSeconds };
}

/**
 * Drops the cached copies of `target` everywhere the platform can reach; returns how it did it.
 * A purge the API refuses for now (its rate limit: 5 requests a minute on the Free plan, a bucket
 * of 25) is not dropped: it goes to the cache-purges queue, which tries again after Retry-After.
 */
export async function purgeFromEdge(
	env: Env,
	requestUrl: string,
	target: PurgeTarget,
	fetcher: typeof fetch = fetch,
): Promise<"tags" | "local"> {
	const zone = configOf(env).CACHE_PURGE_ZONE_ID;
	const token = env.CACHE_PURGE_API_TOKEN ?? "";
	if (zone && token) {
		const tags = [...new Set(target.tags ?? target.keys.map(cacheTagOf))];
		for (let i = 0; i < tags.length; i += TAGS_PER_REQUEST) {
			const batch = tags.slice(i, i + TAGS_PER_REQUEST);
			const answer = await purgeTags(env, batch, fetcher);
			if (!answer.ok) await env.PURGE_JOBS.send({ tags: batch } satisfies PurgeJob, { delaySeconds: answer.retryAfterSeconds });
		}
		return "tags";
	}
	const deletes = target.keys.flatMap((key) => [deliveryCacheKey(requestUrl, key), signedDeliveryCacheKey(requestUrl, key)]);
	await Promise.all([...deletes, ...(target.cacheKeys ?? [])].map((k) => caches.default.delete(k)));
	return "local";
}

export interface PurgeJob {
	tags: string[];
}

const PurgeJobSchema = z.object({ tags: z.array(z.string().min(1).max(1024)).min(1).max(TAGS_PER_REQUEST) });

/** Past this many deliveries a purge is given up, loudly: an operator purges by hand (docs/operations.md). */
const LAST_ATTEMPT = 100;

/**
 * The cache-purges consumer: the batch's tags merged, deduplicated and sent 100 to a call; the
 * first refusal stops the batch (the rest would be refused too) and every message waits out the
 * API's Retry-After. A purge still refused on its last delivery is logged as an error.
 */
export async function consumePurgeJobs(batch: MessageBatch<unknown>, env: Env, fetcher: typeof fetch = fetch): Promise<void> {
	const tags = new Set<string>();
	const jobs: Message<unknown>[] = [];
	for (const message of batch.messages) {
		const job = PurgeJobSchema.safeParse(message.body);
		if (!job.success) {
			logger.error("purge_job_malformed", { id: message.id });
			message.ack();
			continue;
		}
		for (const t of job.data.tags) tags.add(t);
		jobs.push(message);
	}
	const all = [...tags];
	for (let i = 0; i < all.length; i += TAGS_PER_REQUEST) {
		const answer = await purgeTags(env, all.slice(i, i + TAGS_PER_REQUEST), fetcher);
		if (answer.ok) continue;
		for (const m of jobs) {
			if (m.attempts >= LAST_ATTEMPT) logger.error("edge_purge_given_up", { id: m.id, body: m.body });
			m.retry({ delaySeconds: answer.retryAfterSeconds });
		}
		return;
	}
	for (const m of jobs) m.ack();
}
