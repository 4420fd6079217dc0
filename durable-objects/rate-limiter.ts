import { DurableObject } from "cloudflare:workers";
import { type GcraDecision, gcra, gcraRefund, type Quota } from "../workers/lib/rate-limit/gcra";

const TAT_KEY = "tat";

/**
 * One quota key (e.g. `user:<id>`, `ip:<addr>:auth`) per object: single-writer,
 * so counts are exact under concurrency. The algorithm is the pure GCRA; the
 * object only stores its timestamp and clears it once it no longer matters.
 */
export class RateLimiter extends DurableObject<Env> {
	async take(quota: Quota): Promise<GcraDecision> {
		const now = Date.now();
		const stored = await this.ctx.storage.get<number>(TAT_KEY);
		const decision = gcra(quota, stored, now);
		if (decision.allowed) {
			await this.ctx.storage.put(TAT_KEY, decision.tatMs);
			// Once the timestamp is in the past the key is as good as new: drop it then.
			await this.ctx.storage.setAlarm(decision.tatMs);
		}
		return decision;
	}

	/** The decision `take` would make, without spending anything (e.g. "may this account try again?"). */
	async peek(quota: Quota): Promise<GcraDecision> {
		return gcra(quota, await this.ctx.storage.get<number>(TAT_KEY), Date.now());
	}

	/** Gives back one `take` that turned out not to count (a reservation made before knowing). */
	async refund(quota: Quota): Promise<void> {
		const back = gcraRefund(quota, await this.ctx.storage.get<number>(TAT_KEY), Date.now());
		if (back === undefined) await this.ctx.storage.delete(TAT_KEY);
		else await this.ctx.storage.put(TAT_KEY, back);
	}

	override async alarm() {
		const stored = await this.ctx.storage.get<number>(TAT_KEY);
		if (stored === undefined || stored <= Date.now()) await this.ctx.storage.deleteAll();
	}
}
