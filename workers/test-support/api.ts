import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { createApp } from "../app";
import { withDatabase } from "../lib/postgres/routed-database";
import { users } from "../lib/postgres/schema";

const rnd = () => Math.floor(Math.random() * 256);

type ApiInit = RequestInit & { json?: unknown; token?: string };

/** Calls the real app (all middleware) with optional binding overrides; each call is a fresh app, as a fresh isolate. */
export const api = (path: string, init: ApiInit = {}, overrides: Partial<Env> = {}) => apiOf(createApp())(path, init, overrides);

/** Calls one app instance, as requests to one isolate do: what the isolate keeps in memory lasts between calls. */
export const apiOf =
	(app: ReturnType<typeof createApp>) =>
	async (path: string, init: ApiInit = {}, overrides: Partial<Env> = {}) => {
		const headers = new Headers(init.headers);
		if (init.json !== undefined) headers.set("content-type", "application/json");
		if (init.token) headers.set("authorization", `Bearer ${init.token}`);
		// Each call is its own client unless the test says otherwise: the per-IP burst limit is tested on its own.
		if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", `10.${rnd()}.${rnd()}.${rnd()}`);
		const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
		const ctx = createExecutionContext();
		const res = await app.fetch(new Request(`http://x${path}`, { ...init, headers, body }), { ...env, ...overrides }, ctx);
		await waitOnExecutionContext(ctx);
		return res;
	};

export { ownAddress } from "./own-address";

export const uniqueEmail = (tag = "user") => `${tag}-${crypto.randomUUID()}@example.test`;
export const GOOD_PASSWORD = "correct horse 9";

export interface Session {
	accessToken: string;
	refreshToken: string;
	user: { id: string; email: string; role: string; name: string; handle: string };
}

export async function registerUser(name = "Test User"): Promise<Session & { email: string }> {
	const email = uniqueEmail();
	const res = await api("/api/auth/register", { method: "POST", json: { email, password: GOOD_PASSWORD, name } });
	if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
	return { ...((await res.json()) as Session), email };
}

/**
 * A new account whose email counts as verified (set in the database: what following the mailed
 * link does is proven in api/auth/email-routes.test.ts), for tests of what only verified accounts
 * may do (go live, post more than UNVERIFIED_MAX_REELS reels).
 */
export async function verifiedUser(name = "Verified User"): Promise<Session & { email: string }> {
	const u = await registerUser(name);
	await withDatabase(env, (db) => db.write((q) => q.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, u.user.id))));
	return u;
}
