import { DurableObject } from "cloudflare:workers";
import { type GcraDecision, gcra, gcraRefund, type Quota } from "../workers/lib/rate-limit/gcra";

const TAT_KEY = "tat";

/**
 * Backlog (how far the key's timestamp is ahead of now) from which it is written to storage. Below
 * it the timestamp lives in the object's memory only: the object being evicted (idle for a minute
 * or more, or a deploy) can forgive at most this much of a quota, i.e. a minute's worth of requests
 * (QUOTA/60 an hour). Above it every decision is stored, so a heavy user or a password guesser
 * (whose few tries are each minutes apart) loses nothing to an eviction.
 *
 * Why: nearly every key is an anonymous reader's address with a few requests an hour. Storing each
 * of them cost a write, an alarm and the alarm's deleteAll per address: most of the CPU an
 * anonymous read cost (bench/cpu.bench.ts, docs/benchmarks.md).
 */
export const PERSIST_BACKLOG_MS = 60_000;

/**
 * One quota key (e.g. `user:<id>`, `ip:<addr>:auth`) per object: single-writer,
 * so counts are exact under concurrency. The algorithm is the pure GCRA; the
 * object keeps its timestamp, in storage only once the backlog matters
 * (PERSIST_BACKLOG_MS), and clears storage once it no longer does.
 */
export class RateLimiter extends DurableObject<Env> {
	/** The timestamp as this instance knows it. */
	private tat: number | undefined;
	/** Whether storage holds a timestamp (and an alarm to clear it). */
	private stored = false;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		// Read once, before any call is delivered. Reading lazily let two first calls both read "nothing
		// stored" and the later one overwrite the earlier's take: one slot too many under a burst (a
		// clean-clone run counted 6 of 5, and 4 password tries of 3).
		void ctx.blockConcurrencyWhile(() => this.load());
	}

	/** What a new instance starts from: the stored timestamp, if any. */
	private async load() {
		this.tat = await this.ctx.storage.get<number>(TAT_KEY);
		this.stored = this.tat !== undefined;
	}

	async take(quota: Quota): Promise<GcraDecision> {
		const decision = gcra(quota, this.current(), Date.now());
		if (decision.allowed) await this.remember(decision.tatMs);
		return decision;
	}

	/** The decision `take` would make, without spending anything (e.g. "may this account try again?"). */
	async peek(quota: Quota): Promise<GcraDecision> {
		return gcra(quota, this.current(), Date.now());
	}

	/** Gives back one `take` that turned out not to count (a reservation made before knowing). */
	async refund(quota: Quota): Promise<void> {
		const back = gcraRefund(quota, this.current(), Date.now());
		this.tat = back;
		// A stored timestamp follows exactly: a refund must not be undone by an eviction, nor stay as a stricter one.
		if (!this.stored) return;
		if (back === undefined) await this.ctx.storage.delete(TAT_KEY);
		else await this.ctx.storage.put(TAT_KEY, back);
	}

	override async alarm() {
		const stored = await this.ctx.storage.get<number>(TAT_KEY);
		if (stored === undefined || stored <= Date.now()) {
			await this.ctx.storage.deleteAll();
			this.stored = false;
		} else await this.ctx.storage.setAlarm(stored);
	}

	private current(): number | undefined {
		return this.tat;
	}

	private async remember(tat: number) {
		this.tat = tat;
		if (tat - Date.now() <= PERSIST_BACKLOG_MS) return;
		await this.ctx.storage.put(TAT_KEY, tat);
		if (!this.stored) {
			// One alarm, moved on by the alarm itself while the backlog lasts: not a write per request.
			await this.ctx.storage.setAlarm(tat);
			this.stored = true;
		}
	}
}
