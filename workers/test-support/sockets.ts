/** A client socket from an upgrade response, recording what it receives. */
export function openedSocket(res: Response) {
	const ws = res.webSocket;
	if (res.status !== 101 || !ws) throw new Error(`expected 101 with a socket, got ${res.status}`);
	ws.accept();
	const received: { type: string; seq: number; data: unknown }[] = [];
	const closes: { code: number; reason: string }[] = [];
	ws.addEventListener("message", (e) => {
		received.push(JSON.parse(String(e.data)));
	});
	ws.addEventListener("close", (e) => {
		closes.push({ code: e.code, reason: e.reason });
	});
	return { ws, received, closes };
}

/** Polls (bounded, 10 s: some messages are held back up to 1 s by design) until `check` holds. */
export async function until(check: () => boolean, what = "condition") {
	for (let i = 0; i < 500; i++) {
		if (check()) return;
		await new Promise((r) => setTimeout(r, 20));
	}
	throw new Error(`timed out waiting for ${what}`);
}
