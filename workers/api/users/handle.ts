// The public @handle: what it may be, the one registration derives, and how often it may change.
import { z } from "@hono/zod-openapi";

/**
 * Words a handle may not be: the web app's own paths (a profile lives at /@handle, but a person
 * reading "@admin" or "@support" would trust it) and names that pass for the platform.
 */
const RESERVED = new Set([
	"admin",
	"administrator",
	"api",
	"about",
	"cdn",
	"docs",
	"edge",
	"help",
	"live",
	"me",
	"mod",
	"moderator",
	"official",
	"reels",
	"reelsedge",
	"reels_edge",
	"root",
	"search",
	"security",
	"settings",
	"signin",
	"signup",
	"staff",
	"support",
	"system",
	"upload",
	"www",
]);

/**
 * Words a handle may not even start with (after dropping `_` and `.`): `admin_`, `staff1` or
 * `support.team` pass for the platform as well as the word itself. Shorter reserved words above
 * are refused only whole, or `liveoak` and `helper` would be too.
 */
const RESERVED_PREFIXES = ["admin", "moderator", "official", "reelsedge", "security", "staff", "support", "system"];

/** Whether `handle` (lowercase) is reserved, whole or by its start. */
export function isReservedHandle(handle: string): boolean {
	const bare = handle.replace(/[_.]/g, "");
	return RESERVED.has(bare) || RESERVED_PREFIXES.some((p) => bare.startsWith(p));
}

/** One change per this many days, as the big platforms do, so a handle cannot be flipped to impersonate in a thread. */
export const HANDLE_CHANGE_COOLDOWN_DAYS = 14;

/**
 * How long a handle given up stays its old owner's (held_handles): longer than the change cooldown,
 * so the owner can take it back before anyone else may (equal, both would be free at the same
 * instant and a script would win it).
 */
export const HANDLE_HOLD_DAYS = 30;

/** 3 to 24 of a-z, 0-9, `_` and `.`; not starting or ending with `.`, no `..`; compared and kept lowercase. */
export const HandleSchema = z
	.string()
	.trim()
	.transform((s) => s.replace(/^@/, "").toLowerCase())
	.pipe(
		z
			.string()
			.regex(/^[a-z0-9_](?:[a-z0-9_.]{1,22})[a-z0-9_]$/, "A handle is 3 to 24 letters, digits, _ or . (not first or last).")
			.refine((h) => !h.includes(".."), "A handle has no two dots in a row.")
			.refine((h) => !isReservedHandle(h), "That handle is reserved."),
	)
	.openapi({ example: "ada.codes", description: "Your @handle without the @; case-insensitive" });

/** A handle registration can offer: the name's letters and digits, and digits that make it likely unique. */
export function handleFromName(name: string, digits = 4): string {
	const stem = name
		.normalize("NFKD")
		.toLowerCase()
		.replace(/[^a-z0-9_]/g, "")
		.slice(0, 24 - digits - 1);
	const base = stem.length >= 2 && !isReservedHandle(stem) ? stem : "user";
	const n = crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
	return `${base}_${String(n % 10 ** digits).padStart(digits, "0")}`;
}

/** When the owner may choose again, or null when now. */
export function nextHandleChange(changedAt: Date | null, now = new Date()): Date | null {
	if (!changedAt) return null;
	const next = new Date(changedAt.getTime() + HANDLE_CHANGE_COOLDOWN_DAYS * 86_400_000);
	return next > now ? next : null;
}
