// Stream keys: who has one may publish to its stream. Random (256 bits); D1
// holds only their SHA-256, like refresh tokens, so a leaked database does not
// leak usable keys (the key itself stays in its stream's Durable Object, which
// shows it to the owner); rotating one makes the old one useless at once.
import { hashOpaqueToken, newOpaqueToken } from "../../lib/auth/opaque-token";
import { offeredSubprotocols } from "../../lib/http/websocket-subprotocols";

const PREFIX = "sk_";

export const newStreamKey = () => `${PREFIX}${newOpaqueToken()}`;
export const hashStreamKey = hashOpaqueToken;

/**
 * The key an ingest upgrade presents: the `key.<streamKey>` subprotocol (browsers and most
 * WebSocket clients can set one) or `?key=` (it ends up in URLs, so the subprotocol is preferred).
 */
export function presentedStreamKey(req: Request): string | undefined {
	const fromProtocol = offeredSubprotocols(req).find((p) => p.startsWith("key."));
	const key = fromProtocol ? fromProtocol.slice("key.".length) : new URL(req.url).searchParams.get("key");
	return key?.startsWith(PREFIX) ? key : undefined;
}
