import type { AuthContext } from "../auth/authenticate";
import type { SharedReads } from "../http/shared-reads";
import type { RoutedDatabase } from "../postgres/routed-database";
import type { GcraDecision } from "../rate-limit/gcra";

/** Hono's environment for every route: bindings from wrangler.toml, per-request variables. */
export interface AppEnv {
	Bindings: Env;
	Variables: {
		requestId: string;
		db: RoutedDatabase;
		/** Set by `authenticate()` when a valid access token was presented. */
		auth?: AuthContext;
		/** The signed-in user's hourly quota, taken by the same gate call that checked the session (`authenticate({ quota: true })`). */
		userQuota?: GcraDecision;
		/** Set by `authenticate()` on an overlapped read: the gate's quota decision comes after the handler, and authenticate applies it. */
		quotaPending?: boolean;
		/** What this request costs beyond its own CPU: Durable Object calls (database round trips are counted by `db`). */
		cost: { durableObjects: number };
		/** This isolate's answers to anonymous reads (lib/http/shared-reads.ts), for a change that must forget them. */
		sharedReads?: SharedReads;
		/** Set by `shareWithAnonymous(c)`: this response is the same for every anonymous caller. */
		shareable?: boolean;
		/** The problem's code when the response is a problem (for the access log and analytics). */
		problemCode?: string;
	};
}
