// The live mode's HTTP surface (mounted by server.ts):
//
//   POST   /live/:id/chunks?session=S&seq=N  body = chunk N of publisher session S (at most 1 MiB)
//   POST   /live/:id/end                     no more bytes: answers once the recording is complete
//   GET    /live/:id[?waitMs=&after=]        state and published outputs; with waitMs, a long poll
//                                            that answers once more than `after` files are published
//   GET    /live/:id/files/<path>            one published file, streamed
//   DELETE /live/:id                         forgets the stream and reclaims its disk
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { JOB_ID } from "../jobs.ts";
import { ChunkRefused, type LiveEncodes } from "./live-encodes.ts";

/** A WebSocket message to a Worker is at most 1 MiB, and the Worker forwards one message per chunk. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
const MAX_WAIT_MS = 20_000;

type SendJson = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => void;

async function readChunk(req: IncomingMessage): Promise<Buffer | null> {
	const parts: Buffer[] = [];
	let bytes = 0;
	for await (const part of req as AsyncIterable<Buffer>) {
		bytes += part.length;
		if (bytes > MAX_CHUNK_BYTES) return null;
		parts.push(part);
	}
	return Buffer.concat(parts);
}

const intParam = (q: URLSearchParams, name: string) => {
	const n = Number(q.get(name));
	return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};

/** Handles `path` when it is a live route; false when it is not one. */
export async function routeLive(
	store: LiveEncodes,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
	sendJson: SendJson,
): Promise<boolean> {
	const match = url.pathname.match(/^\/live\/([^/]+)(\/chunks|\/end|\/files\/.+)?$/);
	const id = match?.[1];
	if (!match || !id || !JOB_ID.test(id)) return false;
	const tail = match[2];
	const notFound = () => sendJson(res, 404, { code: "stream_not_found", message: `no live stream ${id} here` });

	if (tail === "/chunks" && req.method === "POST") {
		const session = intParam(url.searchParams, "session");
		const seq = intParam(url.searchParams, "seq");
		if (session === undefined || seq === undefined) {
			req.resume();
			sendJson(res, 400, { code: "bad_chunk", message: "session and seq must be non-negative integers" });
			return true;
		}
		const bytes = await readChunk(req);
		if (!bytes) {
			sendJson(res, 413, { code: "chunk_too_large", message: `chunks are limited to ${MAX_CHUNK_BYTES} bytes` }, { connection: "close" });
			return true;
		}
		try {
			sendJson(res, 200, await store.chunk(id, session, seq, bytes));
		} catch (err) {
			if (!(err instanceof ChunkRefused)) throw err;
			sendJson(res, err.status, { code: err.code, message: err.message }, err.status === 429 ? { "retry-after": "5" } : {});
		}
		return true;
	}
	if (tail === "/end" && req.method === "POST") {
		req.resume();
		const view = await store.end(id);
		if (view) sendJson(res, 200, view);
		else notFound();
		return true;
	}
	const stream = store.get(id);
	if (tail?.startsWith("/files/") && req.method === "GET") {
		const found = stream && store.filePath(stream, decodeURIComponent(tail.slice("/files/".length)));
		if (!found) {
			sendJson(res, 404, { code: "file_not_found", message: `no published file ${tail} for stream ${id}` });
			return true;
		}
		res.writeHead(200, { "content-type": found.file.contentType, "content-length": String(found.file.bytes) });
		await pipeline(createReadStream(found.path), res);
		return true;
	}
	if (tail === undefined && req.method === "GET") {
		if (!stream) {
			notFound();
			return true;
		}
		const waitMs = Math.min(MAX_WAIT_MS, intParam(url.searchParams, "waitMs") ?? 0);
		if (waitMs > 0) await store.waitForChange(stream, intParam(url.searchParams, "after") ?? -1, waitMs);
		sendJson(res, 200, store.view(stream));
		return true;
	}
	if (tail === undefined && req.method === "DELETE") {
		res.writeHead((await store.remove(id)) ? 204 : 404);
		res.end();
		return true;
	}
	return false;
}
