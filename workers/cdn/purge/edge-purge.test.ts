// The zone's purge API is Cloudflare's own REST API, out of reach here: these tests answer for it
// through the fetcher the purge takes, and check what the platform then does with its answers.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { consumerOf } from "../../queue/index";
import { consumePurgeJobs, purgeFromEdge } from "./edge-purge";

const production = { ...env, CACHE_PURGE_ZONE_ID: "zone-1", CACHE_PURGE_API_TOKEN: "token" } as Env;

/** A purge API that answers each call in turn from `answers`, recording what it was sent. */
function purgeApi(answers: Response[]) {
	const calls: { url: string; tags: string[] }[] = [];
	const fetcher = (async (url: string, init: RequestInit) => {
		calls.push({ url, tags: (JSON.parse(String(init.body)) as { tags: string[] }).tags });
		return answers.shift() ?? new Response("{}", { status: 200 });
	}) as unknown as typeof fetch;
	return { calls, fetcher };
}

describe("edge purges in production", () => {
	it("purges by cache tag, one call per 100 assets", async () => {
		const api = purgeApi([]);
		const keys = Array.from({ length: 150 }, (_, i) => `2026/12/01/0190f1c4-6f1a-7c3e-9d2b-${String(i).padStart(12, "0")}.jpg`);
		expect(await purgeFromEdge(production, "http://x/", { keys }, api.fetcher)).toBe("tags");
		expect(api.calls.map((c) => c.tags.length)).toEqual([100, 50]);
		expect(api.calls[0]?.url).toBe("https://api.cloudflare.com/client/v4/zones/zone-1/purge_cache");
	});

	it("queues a purge the API rate-limits (429) to be tried again after its Retry-After, instead of leaving copies cached", async () => {
		const sent: { body: unknown; delaySeconds?: number }[] = [];
		const queue = { send: async (body: unknown, o?: { delaySeconds?: number }) => void sent.push({ body, delaySeconds: o?.delaySeconds }) };
		const api = purgeApi([new Response("rate limited", { status: 429, headers: { "retry-after": "42" } })]);
		await purgeFromEdge({ ...production, PURGE_JOBS: queue as unknown as Queue }, "http://x/", { keys: ["2026/12/01/a.jpg"] }, api.fetcher);
		expect(sent).toHaveLength(1);
		expect(sent[0]?.delaySeconds).toBe(42);
		expect(sent[0]?.body).toEqual({ tags: api.calls[0]?.tags });
	});

	it("merges a batch's purges into one call", async () => {
		const api = purgeApi([]);
		const batch = createMessageBatch("cache-purges", [
			{ id: "a", timestamp: new Date(), attempts: 1, body: { tags: ["t1", "t2"] } },
			{ id: "b", timestamp: new Date(), attempts: 1, body: { tags: ["t2", "t3"] } },
		]);
		const ctx = createExecutionContext();
		await consumePurgeJobs(batch, production, api.fetcher);
		expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(["a", "b"]);
		expect(api.calls.map((c) => c.tags)).toEqual([["t1", "t2", "t3"]]);
	});

	it("retries a queued purge for as long as the API says to wait, and acks it once it goes through", async () => {
		expect(consumerOf("cache-purges")).toBe("purges");
		expect(consumerOf("cache-purges-staging")).toBe("purges");
		const api = purgeApi([new Response("", { status: 429, headers: { "retry-after": "7" } }), new Response("{}", { status: 200 })]);
		const run = async (id: string) => {
			const batch = createMessageBatch("cache-purges", [{ id, timestamp: new Date(), attempts: 1, body: { tags: ["asset-a"] } }]);
			const retry = vi.spyOn(batch.messages[0] as Message, "retry");
			const ctx = createExecutionContext();
			await consumePurgeJobs(batch, production, api.fetcher);
			return { ...(await getQueueResult(batch, ctx)), retryOptions: retry.mock.calls.map((c) => c[0]) };
		};
		const first = await run("m1");
		expect(first.retryMessages).toEqual([{ msgId: "m1" }]);
		expect(first.retryOptions).toEqual([{ delaySeconds: 7 }]);
		const second = await run("m2");
		expect(second.explicitAcks).toEqual(["m2"]);
		expect(api.calls.map((c) => c.tags)).toEqual([["asset-a"], ["asset-a"]]);
	});
});
