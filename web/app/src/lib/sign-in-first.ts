// Signed out, a like, comment or follow asks to sign in first, in a sheet that says why; after
// signing in the app comes back to the same page and does what was asked (ReelCard, Profile, Live).
import { signal } from "@preact/signals";

export type PendingAction =
	| { kind: "like" | "comment"; reelId: string }
	| { kind: "follow"; userId: string }
	| { kind: "chat"; streamId: string };

/** What the sheet asks, or null when it is closed. */
export const signInPrompt = signal<{ why: string; action: PendingAction } | null>(null);

const AFTER = "reels-edge:after-sign-in";

export function askToSignIn(why: string, action: PendingAction): void {
	signInPrompt.value = { why, action };
}

/** The sheet's choice: remember where to come back to and what to do there (this tab only). */
export function rememberForAfterSignIn(action: PendingAction): void {
	sessionStorage.setItem(AFTER, JSON.stringify({ path: location.pathname + location.search, action, at: Date.now() }));
}

/** Where to go after signing in: the page the sheet was opened on (within 30 minutes), else the feed. */
export function pathAfterSignIn(): string {
	const saved = read();
	return saved?.path.startsWith("/") && !saved.path.startsWith("//") ? saved.path : "/";
}

/** The remembered action if `matches` it (then it is forgotten: done once). */
export function takePendingAction(matches: (a: PendingAction) => boolean): PendingAction | null {
	const saved = read();
	if (!saved || !matches(saved.action)) return null;
	sessionStorage.removeItem(AFTER);
	return saved.action;
}

function read(): { path: string; action: PendingAction } | null {
	try {
		const saved = JSON.parse(sessionStorage.getItem(AFTER) ?? "null") as { path: string; action: PendingAction; at: number } | null;
		return saved && Date.now() - saved.at < 30 * 60_000 ? saved : null;
	} catch {
		return null;
	}
}
