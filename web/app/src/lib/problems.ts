// The API's problem details (application/problem+json) as sentences a person
// reads: the server's `detail` when it has one, a plain sentence per status
// otherwise, and when to try again for a 429.

export interface Problem {
	status: number;
	code: string;
	detail?: string;
	retryAfterSeconds?: number;
}

export class ApiError extends Error {
	constructor(readonly problem: Problem) {
		super(humanize(problem));
		this.name = "ApiError";
	}
}

const BY_STATUS: Record<number, string> = {
	400: "Something in that request was not right.",
	401: "Please sign in again.",
	403: "You are not allowed to do that.",
	404: "That could not be found. It may have been removed.",
	409: "That changed in the meantime; try again.",
	413: "That is too large.",
	415: "That kind of file is not supported.",
	422: "That file could not be used.",
	429: "Too many tries.",
	503: "The service is busy right now.",
};

function when(seconds: number): string {
	if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
	const minutes = Math.ceil(seconds / 60);
	return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

export function humanize(p: Problem): string {
	const base = p.detail ?? BY_STATUS[p.status] ?? "Something went wrong on our side. Try again in a moment.";
	const retry = p.retryAfterSeconds ? ` Try again in ${when(p.retryAfterSeconds)}.` : "";
	return p.status === 429 && p.retryAfterSeconds && !/try again in/i.test(base) ? `${base}${retry}` : base;
}

export async function problemOf(res: Response): Promise<Problem> {
	const retry = Number(res.headers.get("retry-after"));
	let body: Partial<Problem> = {};
	try {
		body = (await res.json()) as Partial<Problem>;
	} catch {
		// not JSON: the status alone says enough
	}
	return {
		status: res.status,
		code: body.code ?? `http_${res.status}`,
		...(body.detail ? { detail: body.detail } : {}),
		...(Number.isFinite(retry) && retry > 0 ? { retryAfterSeconds: retry } : {}),
	};
}

export const offlineMessage = "You are offline. Reconnect and try again.";
