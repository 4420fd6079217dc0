// Every call to the API. The access token lives in memory only; the refresh
// token is an httpOnly cookie the browser sends to /api/auth (the script never
// sees it), so a reload signs in again silently and an XSS cannot take it.

import { ApiError, offlineMessage, problemOf } from "./problems";
import { store } from "./store";

export interface User {
	id: string;
	email?: string;
	/** Whether the owner followed the link mailed to `email` (only on your own account). */
	emailVerified?: boolean;
	name: string;
	handle: string;
	nextHandleChangeAt?: string | null;
	bio?: string;
	role?: string;
	followerCount?: number;
	followingCount?: number;
	avatarUrl?: string | null;
}

export interface Session {
	accessToken: string;
	user: User;
}

/** null: signed out; undefined: not known yet (the silent refresh is running). */
export const session = store<Session | null | undefined>(undefined);

/** Where a profile lives: /@handle. */
export const profilePath = (u: { handle: string }) => `/@${u.handle}`;

/** Set by the server next to the refresh cookie (which script cannot read): whether a silent sign-in can work. */
const SIGNED_IN_HINT = "reels_signed_in=1";
const forgetSignedIn = () => {
	// biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser we serve, and this string is a constant.
	document.cookie = "reels_signed_in=; Max-Age=0; path=/; secure; samesite=lax";
};

let refreshing: Promise<string | null> | undefined;

/** A new access token from the refresh cookie, or null when there is no live session. */
export function refreshAccess(): Promise<string | null> {
	refreshing ??= (async () => {
		try {
			const res = await fetch("/api/auth/refresh", {
				method: "POST",
				credentials: "same-origin",
				headers: { "content-type": "application/json" },
				body: "{}",
			});
			if (!res.ok) {
				// Refused (signed out, revoked, expired): no silent sign-in until the next one. A 5xx keeps the hint.
				if (res.status === 401) forgetSignedIn();
				return null;
			}
			const { accessToken } = (await res.json()) as { accessToken: string };
			return accessToken;
		} catch {
			return null;
		} finally {
			refreshing = undefined;
		}
	})();
	return refreshing;
}

export interface CallOptions extends Omit<RequestInit, "body"> {
	json?: unknown;
	body?: BodyInit;
	/** Send no token even when signed in. */
	anonymous?: boolean;
}

/** Calls the API; throws ApiError with a human sentence for every problem. Refreshes an expired token once. */
export async function api<T = unknown>(path: string, opts: CallOptions = {}): Promise<T> {
	const send = async (token: string | undefined) => {
		const headers = new Headers(opts.headers);
		if (token) headers.set("authorization", `Bearer ${token}`);
		if (opts.json !== undefined) headers.set("content-type", "application/json");
		const body = opts.json !== undefined ? JSON.stringify(opts.json) : opts.body;
		try {
			return await fetch(path, { ...opts, headers, credentials: "same-origin", ...(body !== undefined ? { body } : {}) });
		} catch {
			throw new ApiError({ status: 0, code: "offline", detail: offlineMessage });
		}
	};
	const current = opts.anonymous ? undefined : session.get()?.accessToken;
	let res = await send(current);
	if (res.status === 401 && current) {
		const fresh = await refreshAccess();
		const s = session.get();
		if (fresh && s) {
			session.set({ ...s, accessToken: fresh });
			res = await send(fresh);
		} else session.set(null);
	}
	if (!res.ok) throw new ApiError(await problemOf(res));
	if (res.status === 204) return undefined as T;
	return (await res.json()) as T;
}

/** Starts the app's session from the refresh cookie, if there is one. */
export async function resumeSession(): Promise<void> {
	// Never signed in on this browser (or signed out): nothing to resume, and no 401 to log.
	if (!document.cookie.split("; ").includes(SIGNED_IN_HINT)) return session.set(null);
	const token = await refreshAccess();
	if (!token) return session.set(null);
	try {
		const res = await fetch("/api/users/me", { headers: { authorization: `Bearer ${token}` } });
		session.set(res.ok ? { accessToken: token, user: (await res.json()) as User } : null);
	} catch {
		session.set(null);
	}
}

/** Reads the signed-in account again (after a profile edit), so the header shows its new name, handle and avatar at once. */
export async function refreshMe(): Promise<void> {
	const user = await api<User>("/api/users/me");
	const now = session.get();
	if (now?.user.id === user.id) session.set({ ...now, user });
}

export async function signIn(kind: "login" | "register", body: { email: string; password: string; name?: string }) {
	const out = await api<{ accessToken: string; user: User }>(`/api/auth/${kind}`, { method: "POST", json: body, anonymous: true });
	session.set({ accessToken: out.accessToken, user: out.user });
}

/** Forgets the session in this browser without asking the server (it has ended it already: a password reset). */
export function forgetSession(): void {
	forgetSignedIn();
	session.set(null);
}

export async function signOut(): Promise<void> {
	try {
		await api("/api/auth/logout", { method: "POST" });
	} finally {
		forgetSignedIn();
		session.set(null);
	}
}

/** The current access token (for the WebSocket and tus), refreshed when it is close to expiry. */
export async function accessToken(): Promise<string | undefined> {
	const s = session.get();
	if (!s) return undefined;
	const [, payload] = s.accessToken.split(".");
	const exp = payload ? (JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { exp?: number }).exp : undefined;
	if (exp && exp * 1000 - Date.now() > 30_000) return s.accessToken;
	const fresh = await refreshAccess();
	if (!fresh) {
		session.set(null);
		return undefined;
	}
	session.set({ ...s, accessToken: fresh });
	return fresh;
}
