import type { Context } from "hono";
import type { AppEnv } from "../../lib/app/app-env";
import { viewerOf } from "../../lib/auth/authenticate";
import { toHex } from "../../lib/encoding/bytes";
import { clientIp } from "../../lib/rate-limit/client-ip";

/**
 * Who a view of `reelId` counts for (reel_views): the signed-in user, or else a hash of the hour, the
 * reel and the client address (never the address itself), so a view counts once per viewer, or
 * address, per reel per hour, whatever device id or view id a client makes up.
 */
export async function viewCountKey(c: Context<AppEnv>, reelId: string): Promise<string> {
	const user = viewerOf(c);
	if (user) return `u:${user}`;
	const hour = new Date().toISOString().slice(0, 13);
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${hour}|${reelId}|${clientIp(c)}`));
	return `ip:${toHex(new Uint8Array(digest)).slice(0, 32)}`;
}
