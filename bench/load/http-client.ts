// One simulated client: its own address (the burst limit is per address, as
// for real users), its token, and every call timed and tallied by route.
import type { RouteStats } from "./route-stats.ts";

export interface CallResult {
	status: number;
	headers: Headers;
	body: unknown;
	/** When the request was sent (ms since the epoch). */
	sentAt: number;
}

export class Client {
	readonly baseUrl: string;
	readonly ip: string;
	readonly stats: RouteStats;
	token?: string;

	constructor(baseUrl: string, ip: string, stats: RouteStats, token?: string) {
		this.baseUrl = baseUrl;
		this.ip = ip;
		this.stats = stats;
		this.token = token;
	}

	/** Never throws: no answer (network error or 30 s without one) is status 0. */
	async call(
		route: string,
		path: string,
		init: { method?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
	): Promise<CallResult> {
		const headers: Record<string, string> = { "cf-connecting-ip": this.ip, ...init.headers };
		if (this.token) headers.authorization = `Bearer ${this.token}`;
		if (init.json !== undefined) headers["content-type"] = "application/json";
		const sentAt = Date.now();
		const started = performance.now();
		try {
			const res = await fetch(this.baseUrl + path, {
				method: init.method ?? "GET",
				headers,
				body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
				signal: AbortSignal.timeout(30_000),
			});
			const text = init.method === "HEAD" ? "" : await res.text();
			this.stats.record(route, res.status, performance.now() - started, res.headers.get("retry-after"));
			let body: unknown = text;
			if (res.headers.get("content-type")?.includes("json")) body = JSON.parse(text);
			return { status: res.status, headers: res.headers, body, sentAt };
		} catch {
			this.stats.record(route, 0, performance.now() - started);
			return { status: 0, headers: new Headers(), body: null, sentAt };
		}
	}
}
