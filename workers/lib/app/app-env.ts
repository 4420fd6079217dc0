import type { AuthContext } from "../auth/authenticate";
import type { RoutedDatabase } from "../postgres/routed-database";

/** Hono's environment for every route: bindings from wrangler.toml, per-request variables. */
export interface AppEnv {
	Bindings: Env;
	Variables: {
		requestId: string;
		db: RoutedDatabase;
		/** Set by `authenticate()` when a valid access token was presented. */
		auth?: AuthContext;
		/** The problem's code when the response is a problem (for the access log and analytics). */
		problemCode?: string;
	};
}
