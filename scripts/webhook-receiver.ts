// A webhook receiver for the tests and for trying webhooks beside `npm run dev`: an HTTP server
// that keeps what each endpoint received (POST /hooks/<name>) and shows it (GET /received/<name>).
// An endpoint named `fail-<n>-…` answers 500 to the first n attempts of each event (its
// webhook-id), then 200: a receiver that is down for a while.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
	headers: Record<string, string>;
	body: string;
	status: number;
}

export interface WebhookReceiver {
	url: string;
	server: Server;
	received(name: string): Received[];
	close(): Promise<void>;
}

export async function startWebhookReceiver(host = "127.0.0.1"): Promise<WebhookReceiver> {
	const byName = new Map<string, Received[]>();
	const server = createServer((req, res) => {
		const url = new URL(req.url ?? "/", "http://receiver");
		const hook = /^\/hooks\/([\w.-]+)$/.exec(url.pathname)?.[1];
		const shown = /^\/received\/([\w.-]+)$/.exec(url.pathname)?.[1];
		if (req.method === "GET" && shown) {
			res.writeHead(200, { "content-type": "application/json" });
			res.end(JSON.stringify(byName.get(shown) ?? []));
			return;
		}
		if (req.method !== "POST" || !hook) {
			res.writeHead(404).end();
			return;
		}
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			const list = byName.get(hook) ?? [];
			byName.set(hook, list);
			const id = String(req.headers["webhook-id"] ?? "");
			const failFirst = Number(/^fail-(\d+)-/.exec(hook)?.[1] ?? 0);
			const earlier = list.filter((r) => r.headers["webhook-id"] === id).length;
			const status = earlier < failFirst ? 500 : 200;
			const headers: Record<string, string> = {};
			for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
			list.push({ headers, body: Buffer.concat(chunks).toString("utf8"), status });
			res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "down for now");
		});
	});
	// Port 0: the OS picks a free port at bind time.
	await new Promise<void>((done) => server.listen(0, host, done));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://${host}:${port}`,
		server,
		received: (name) => byName.get(name) ?? [],
		close: () => new Promise<void>((done) => server.close(() => done())),
	};
}

if (import.meta.main) {
	const r = await startWebhookReceiver();
	console.log(`webhook receiver at ${r.url}: register ${r.url}/hooks/<name>, read ${r.url}/received/<name>`);
}
