// WebSocket subprotocols, the one header a browser may set on an upgrade, carry credentials here:
// `bearer, <access token>` for the user's sockets and live viewers, `key.<stream key>` for a live
// publisher. Reading them, handing an upgrade to a Durable Object and answering it live here once.

/** The subprotocols an upgrade offers (`Sec-WebSocket-Protocol`), trimmed, in the client's order. */
export function offeredSubprotocols(req: Request): string[] {
	return (
		req.headers
			.get("sec-websocket-protocol")
			?.split(",")
			.map((p) => p.trim())
			.filter(Boolean) ?? []
	);
}

/**
 * The headers for handing an upgrade to a Durable Object: `connect` (the object's own header with
 * what the Worker checked, as JSON) and the client's subprotocols, and nothing else the client
 * sent: an object never reads a client's own `x-reels-*` headers.
 */
export function upgradeForObject(req: Request, connectHeader: string, connect: unknown): Headers {
	const headers = new Headers({ upgrade: "websocket", [connectHeader]: JSON.stringify(connect) });
	const offered = req.headers.get("sec-websocket-protocol");
	if (offered) headers.set("sec-websocket-protocol", offered);
	return headers;
}

/**
 * The 101's headers: the first offered subprotocol `accept` takes is echoed back, as RFC 6455
 * requires (a browser that offered any closes a socket whose answer names none).
 */
export function answerSubprotocol(req: Request, accept: (protocol: string) => boolean): Headers {
	const headers = new Headers();
	const chosen = offeredSubprotocols(req).find(accept);
	if (chosen) headers.set("sec-websocket-protocol", chosen);
	return headers;
}
