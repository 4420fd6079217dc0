// Fetching a video from a URL someone gave us (POST /api/videos/copy): the
// platform making a request on a stranger's say-so, so the same policy as a
// webhook's (webhooks/endpoint-policy.ts): in production public HTTPS only,
// never loopback, private, link-local or metadata addresses, by literal or by
// name, checked again after resolving the name, and again for every redirect,
// which is followed by hand, at most MAX_REDIRECTS times. The answer must say
// it is media and not declare more than the limit; its bytes are then sniffed
// and counted like an upload's (receive-upload.ts).
import { configOf } from "../../lib/config/config";
import { logger } from "../../lib/observability/logger";
import { HttpProblem } from "../../lib/problems/http-problem";
import { refusedAtDelivery } from "../../webhooks/endpoint-policy";
import { storageQuotaExceeded } from "./storage-quota";

const MAX_REDIRECTS = 3;
/** How long the remote server has to start answering. */
const HEADERS_TIMEOUT_MS = 15_000;
/**
 * How long a whole copy may take, body included: a server that trickles its bytes cannot hold the
 * request (and the upload's reserved room and 8 MiB part buffer) for ever. 512 MiB in 5 minutes is
 * about 14 Mbit/s, which any host worth copying from sends.
 */
export const COPY_DEADLINE_MS = 5 * 60_000;
/** Content types a server sends video as; anything else (a page, JSON, an image) is refused before a byte is read. */
const MEDIA_TYPES = /^(video\/[a-z0-9.+-]+|application\/(octet-stream|mp4)|binary\/octet-stream)$/;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface RemoteVideo {
	/** Its bytes; reading fails with `url_unreadable` past COPY_DEADLINE_MS or when the server breaks off. */
	body: ReadableStream<Uint8Array>;
	declaredBytes: number | null;
	/** The last path segment of the URL that answered, for the record. */
	filename: string;
}

const refused = (why: string) => new HttpProblem(422, "url_refused", `That URL cannot be copied from: ${why}.`);
const unreadable = (why: string) => new HttpProblem(422, "url_unreadable", `The video could not be fetched: ${why}.`);

async function fetchOnce(url: string, fetcher: typeof fetch, deadline: AbortSignal): Promise<Response> {
	const headers = AbortSignal.any([deadline, AbortSignal.timeout(HEADERS_TIMEOUT_MS)]);
	try {
		// identity: a compressed body would be longer, once decompressed, than the length it declared.
		return await fetcher(url, { redirect: "manual", headers: { accept: "video/*", "accept-encoding": "identity" }, signal: headers });
	} catch (err) {
		// The runtime's own words stay in the log: to the caller they would tell which hosts answer.
		logger.info("copy_fetch_failed", { url, error: (err as Error).message });
		throw unreadable(headers.aborted ? "the server did not answer in time" : "the server could not be reached");
	}
}

/** A body whose read errors (the server breaking off, the deadline) are the caller's 422, not our 500. */
function guarded(body: ReadableStream<Uint8Array>, deadline: AbortSignal): ReadableStream<Uint8Array> {
	const reader = body.getReader();
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			try {
				const { done, value } = await reader.read();
				if (done) controller.close();
				else controller.enqueue(value);
			} catch {
				controller.error(
					unreadable(deadline.aborted ? `it took longer than ${COPY_DEADLINE_MS / 60_000} minutes` : "the server broke off"),
				);
			}
		},
		cancel: (reason) => reader.cancel(reason),
	});
}

function lastSegment(url: string): string {
	const raw = new URL(url).pathname.split("/").pop() ?? "";
	let name: string;
	try {
		name = decodeURIComponent(raw);
	} catch {
		name = raw;
	}
	// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
	return name.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, 255) || "video";
}

/** The video at `url`, its body not yet read; a 4xx problem for a URL we refuse or an answer that is not a video. */
export async function fetchRemoteVideo(
	env: Env,
	url: string,
	{
		roomLeft = Number.POSITIVE_INFINITY,
		fetcher = fetch,
		resolve,
	}: { roomLeft?: number; fetcher?: typeof fetch; resolve?: (host: string) => Promise<string[]> } = {},
): Promise<RemoteVideo> {
	const config = configOf(env);
	const deadline = AbortSignal.timeout(COPY_DEADLINE_MS);
	let current = url;
	for (let hop = 0; ; hop++) {
		const why = await refusedAtDelivery(current, config.URL_IMPORT_ALLOW_PRIVATE_URLS, resolve).catch((err: Error) => {
			throw unreadable(`its name could not be resolved (${err.message})`);
		});
		if (why) throw refused(why);
		const res = await fetchOnce(current, fetcher, deadline);
		if (REDIRECTS.has(res.status)) {
			await res.body?.cancel();
			const location = res.headers.get("location");
			if (!location) throw unreadable(`a ${res.status} redirect without a Location`);
			if (hop >= MAX_REDIRECTS) throw unreadable(`more than ${MAX_REDIRECTS} redirects`);
			try {
				current = new URL(location, current).toString();
			} catch {
				throw unreadable("it redirects to something that is not a URL");
			}
			continue;
		}
		if (!res.ok || !res.body) {
			await res.body?.cancel();
			throw unreadable(`the server answered ${res.status}`);
		}
		const type = res.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "";
		if (!MEDIA_TYPES.test(type)) {
			await res.body.cancel();
			throw new HttpProblem(415, "unsupported_media_type", `The URL's answer is ${type || "untyped"}, not a video.`);
		}
		const declared = Number(res.headers.get("content-length") ?? "");
		const declaredBytes = Number.isSafeInteger(declared) && declared > 0 ? declared : null;
		if (declaredBytes !== null && declaredBytes > config.UPLOAD_MAX_VIDEO_BYTES) {
			await res.body.cancel();
			throw new HttpProblem(
				413,
				"file_too_large",
				`Videos are limited to ${config.UPLOAD_MAX_VIDEO_BYTES} bytes; that one is ${declaredBytes}.`,
			);
		}
		// Known too big for what is left of the quota: refused before a byte is read, not after the room is filled.
		if (declaredBytes !== null && declaredBytes > roomLeft) {
			await res.body.cancel();
			throw storageQuotaExceeded(config.STORAGE_QUOTA_BYTES_PER_USER);
		}
		const filename = lastSegment(current);
		return { body: guarded(res.body, deadline), declaredBytes, filename };
	}
}
