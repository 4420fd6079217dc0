// Which close code a server may send back when a client's socket closes.
// 1005 (no status), 1006 (abnormal closure) and 1015 (TLS) are reserved: the
// runtime reports them but `close()` throws on them, as it does for anything
// outside 1000 and 3000-4999. Echoing the client's code unchecked threw
// "Invalid WebSocket close code: 1006" whenever a connection dropped.
const SENDABLE = (code: number) => code === 1000 || (code >= 3000 && code <= 4999);

/** The code to close with in answer to `received`: the same when it may be sent, else 1000. */
export const closeCodeFor = (received: number): number => (SENDABLE(received) ? received : 1000);

/** Closes `ws` unless it already is closing: a close on a socket gone from the other side throws. */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
	try {
		ws.close(code, reason);
	} catch {
		// Already closed: nothing left to do.
	}
}
