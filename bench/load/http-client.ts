// One simulated client: its own address (the burst limit is per address, as
// for real users), its tokens (the access token renewed with the refresh token
// when it expires, as the web app does, so a run may outlast the token's 15
// minutes), and every call timed and tallied by route.
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
	refreshToken?: string;
	private renewing?: Promise<boolean>;

	constructor(baseUrl: string, ip: string, stats: RouteStats, token?: string) {
		this.baseUrl = baseUrl;
		this.ip = ip;
		this.stats = stats;
		this.token = token;
	}

	/** Never throws: no answer (network error or 30 s without one) is status 0. An expired token is renewed once and the call sent again. */
	async call(
		route: string,
		path: string,
		init: { method?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
	): Promise<CallResult> {
		const sentToken = this.token;
		const first = await this.send(path, init);
		if (first.status === 401 && this.refreshToken && !path.startsWith("/api/auth/") && (await this.renew(sentToken))) {
			return this.record(route, await this.send(path, init));
		}
		return this.record(route, first);
	}

	private record(route: string, sent: CallResult & { ms: number }): CallResult {
		this.stats.record(route, sent.status, sent.ms, sent.headers.get("retry-after"));
		return sent;
	}

	/** A new access token from the refresh token (one renewal at a time; a token another call renewed meanwhile counts). */
	renew(expired: string | undefined = this.token): Promise<boolean> {
		if (this.token !== expired) return Promise.resolve(true);
		if (!this.refreshToken) return Promise.resolve(false);
		this.renewing ??= (async () => {
			const res = await this.send("/api/auth/refresh", { method: "POST", json: { refreshToken: this.refreshToken } });
			const pair = res.body as { accessToken?: string; refreshToken?: string } | null;
			if (res.status !== 200 || !pair?.accessToken) return false;
			this.token = pair.accessToken;
			this.refreshToken = pair.refreshToken;
			return true;
		})().finally(() => {
			this.renewing = undefined;
		});
		return this.renewing;
	}

	private async send(
		path: string,
		init: { method?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> },
	): Promise<CallResult & { ms: number }> {
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
			let body: unknown = text;
			if (res.headers.get("content-type")?.includes("json")) body = JSON.parse(text);
			return { status: res.status, headers: res.headers, body, sentAt, ms: performance.now() - started };
		} catch {
			return { status: 0, headers: new Headers(), body: null, sentAt, ms: performance.now() - started };
		}
	}
}
