// The Worker's side of the live encoder slots (live-slots.ts has the rule,
// durable-objects/live-slots.ts the count): taken before a publisher's socket
// reaches its stream, released when the stream ends.
import { configOf } from "../lib/config/config";
import { logger } from "../lib/observability/logger";
import { HttpProblem } from "../lib/problems/http-problem";
import type { SlotHolder } from "./live-slots";

/** Seconds a refused publisher is told to wait: streams end or free their slot within minutes. */
const RETRY_AFTER_S = 60;

const slots = (env: Env) => env.LIVE_SLOTS.getByName("global");

/** Takes (or keeps) `want.streamId`'s encoder slot: 503 when the platform is full, 429 past the account's or the address's share. */
export async function takeLiveSlot(env: Env, want: SlotHolder): Promise<void> {
	const config = configOf(env);
	const decision = await slots(env).acquire(want, {
		platform: config.LIVE_MAX_CONCURRENT,
		perAccount: config.LIVE_CONCURRENT_PER_USER,
		perAddress: config.LIVE_CONCURRENT_PER_ADDRESS,
	});
	if (decision.ok) return;
	const retry = { "Retry-After": String(RETRY_AFTER_S) };
	if (decision.refused === "platform") {
		throw new HttpProblem(503, "live_capacity_reached", "Every live encoder is taken; try again in a minute.", {}, retry);
	}
	const who = decision.refused === "account" ? "Your account" : "Your address";
	throw new HttpProblem(429, "too_many_live_streams", `${who} already has as many streams live as it may; end one first.`, {}, retry);
}

/** Frees the stream's slot; a failure is logged (the object frees slots held past the longest stream anyway). */
export async function releaseLiveSlot(env: Env, streamId: string): Promise<void> {
	await slots(env)
		.release(streamId)
		.catch((err: Error) => logger.warn("live_slot_not_released", { streamId, error: err.message }));
}
