import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app/app-env";
import { configOf } from "../config/config";
import { unavailable } from "../problems/http-problem";
import { GateFull, IsolateGate } from "./isolate-gate";

/** Requests that may wait for a place; past them the isolate answers 503 at once rather than hold more. */
export const MAX_WAITING = 5_000;

// One gate per isolate (module state lives as long as the isolate); rebuilt only if the limit changes.
let gate: IsolateGate | undefined;
let gateLimit = 0;

/** The isolate's gate for API requests (isolate-gate.ts says why): in front of everything else under /api. */
export const isolateAdmission = (): MiddlewareHandler<AppEnv> => async (c, next) => {
	const limit = configOf(c.env).ISOLATE_API_CONCURRENCY;
	if (!gate || gateLimit !== limit) {
		gate = new IsolateGate(limit, MAX_WAITING);
		gateLimit = limit;
	}
	try {
		await gate.run(next);
	} catch (err) {
		if (err instanceof GateFull) throw unavailable("isolate_busy", "This server is busy; try again in a moment.", 1);
		throw err;
	}
};
