import type { Context } from "hono";
import type { AppEnv } from "../../lib/app/app-env";
import { viewerOf } from "../../lib/auth/authenticate";
import { toHex } from "../../lib/encoding/bytes";
import { HttpProblem } from "../../lib/problems/http-problem";
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

/** Whose watching a request speaks for: the signed-in account, or else an anonymous player's own device id. */
export interface DeviceViewer {
	/** `u:<user id>` or `d:<device id>`: the key playback_views and not_interested are kept under. */
	key: string;
	userId: string | null;
}

/**
 * The viewer of a playback report, a For You page or a "not interested": the account when signed in,
 * else the device id the player sent; null when neither (an anonymous caller with no history).
 */
export function deviceViewer(c: Context<AppEnv>, deviceId: string | undefined): DeviceViewer | null {
	const userId = viewerOf(c);
	if (userId) return { key: `u:${userId}`, userId };
	return deviceId ? { key: `d:${deviceId}`, userId: null } : null;
}

/** deviceViewer, required: an anonymous caller without a device id gets 400 `device_id_required`. */
export function requireDeviceViewer(c: Context<AppEnv>, deviceId: string | undefined): DeviceViewer {
	const viewer = deviceViewer(c, deviceId);
	if (!viewer) throw new HttpProblem(400, "device_id_required", "Anonymous: send the deviceId your player reports with.");
	return viewer;
}
