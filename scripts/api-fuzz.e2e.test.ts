// The property-based fuzz pass (fast-check) over a whole dev stack: every
// operation in /openapi.json, plus the surfaces it cannot describe (ranges and
// conditionals on /cdn, /img option strings, tus headers, WebSocket frames).
// Properties: no 5xx, a declared status, problem+json for /api errors, no
// leaked internals (scripts/fuzz/response-properties.ts).
//
// Replay a failure with FUZZ_SEED=<seed printed below> (and FUZZ_PATH from fast-check's report).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type DevStackProcess, registerOn, startDevStack } from "./dev-stack-process.ts";
import { hostileString } from "./fuzz/hostile-values.ts";
import { encode, type FuzzRequest, type Identities, type Operation, operationsOf, requestFor } from "./fuzz/openapi-operations.ts";
import { type Answer, violations } from "./fuzz/response-properties.ts";
import type { FuzzContext } from "./fuzz/schema-arbitrary.ts";
import { makeClip, makeTestJpeg } from "./test-media.ts";
import { waitFor } from "./wait-for.ts";

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 40);
const params = (numRuns: number): fc.Parameters<unknown> => ({
	seed: SEED,
	numRuns,
	...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
});

let stack: DevStackProcess;
let operations: Operation[];
let ctx: FuzzContext;
let ids: Identities;
let imageKey: string;
let requests = 0;
const statusCounts = new Map<string, number>();

async function send(r: FuzzRequest): Promise<Answer> {
	requests++;
	// Each request from its own address, so the per-address burst limit (100 per 10 s) does not turn the pass into 429s.
	const headers = { "cf-connecting-ip": `10.77.${(requests >> 8) & 255}.${requests & 255}`, ...r.headers };
	// A hung answer is a failure too: the signal turns it into a thrown error.
	const res = await fetch(stack.baseUrl + r.path, { method: r.method, headers, body: r.body, signal: AbortSignal.timeout(20_000) });
	const body = r.method === "HEAD" ? "" : await res.text();
	const tally = `${res.status}`;
	statusCounts.set(tally, (statusCounts.get(tally) ?? 0) + 1);
	return { status: res.status, contentType: res.headers.get("content-type") ?? "", body };
}

const declaredFor = (method: string, path: string) => operations.find((o) => o.method === method && o.path === path)?.statuses;

/** Uploads a one-second clip, waits for the transcoder to finish it, and posts it as a reel. */
async function postReel(token: string): Promise<{ videoId: string; reelId: string }> {
	const dir = mkdtempSync(join(tmpdir(), "fuzz-clip-"));
	try {
		const clip = makeClip(dir, { size: "240x426", seconds: 1 });
		const form = new FormData();
		form.set("file", new Blob([new Uint8Array(clip.bytes)], { type: "video/mp4" }), "clip.mp4");
		const auth = { authorization: `Bearer ${token}` };
		const up = await fetch(`${stack.baseUrl}/api/videos/upload`, { method: "POST", headers: auth, body: form });
		expect(up.status).toBe(202);
		const { id: videoId } = (await up.json()) as { id: string };
		const status = await waitFor(
			"the fuzz clip to transcode",
			async () => {
				const res = await fetch(`${stack.baseUrl}/api/videos/${videoId}/status`, { headers: auth });
				const now = ((await res.json()) as { status: string }).status;
				if (now === "failed") throw new Error("the fuzz clip failed to transcode");
				return now === "ready" ? now : undefined;
			},
			{ timeoutMs: 60_000, everyMs: 250 },
		);
		expect(status).toBe("ready");
		const reel = await fetch(`${stack.baseUrl}/api/reels`, {
			method: "POST",
			headers: { ...auth, "content-type": "application/json" },
			body: JSON.stringify({ video_id: videoId, caption: "fuzz #fuzz" }),
		});
		expect(reel.status).toBe(201);
		return { videoId, reelId: ((await reel.json()) as { id: string }).id };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

beforeAll(async () => {
	console.log(`[fuzz] seed ${SEED} (replay: FUZZ_SEED=${SEED})`);
	stack = await startDevStack("e2e-fuzz", {
		vars: { QUOTA_ANON_PER_HOUR: "1000000", QUOTA_USER_PER_HOUR: "1000000", QUOTA_AUTH_PER_HOUR: "1000000" },
	});
	const a = await registerOn(stack.baseUrl, { name: "Fuzz A" });
	const b = await registerOn(stack.baseUrl, { name: "Fuzz B" });
	const doc = await (await fetch(`${stack.baseUrl}/openapi.json`)).json();
	operations = operationsOf(doc);
	const dir = mkdtempSync(join(tmpdir(), "fuzz-"));
	const form = new FormData();
	form.set("file", new Blob([new Uint8Array(makeTestJpeg(dir, "320x240"))], { type: "image/jpeg" }), "a.jpg");
	rmSync(dir, { recursive: true, force: true });
	const up = await fetch(`${stack.baseUrl}/cdn/upload`, {
		method: "POST",
		headers: { authorization: `Bearer ${a.accessToken}` },
		body: form,
	});
	expect(up.status).toBe(201);
	const uploaded = (await up.json()) as { id: string; fileUrl: string };
	imageKey = new URL(uploaded.fileUrl, stack.baseUrl).pathname.replace(/^\/cdn\//, "");
	// A real reel and a comment on it, so ids that exist reach the handlers' deeper paths (likes, edits, deletes).
	const reel = await postReel(a.accessToken);
	const comment = await fetch(`${stack.baseUrl}/api/reels/${reel.reelId}/comments`, {
		method: "POST",
		headers: { authorization: `Bearer ${b.accessToken}`, "content-type": "application/json" },
		body: JSON.stringify({ text: "first" }),
	});
	expect(comment.status).toBe(201);
	const commentId = ((await comment.json()) as { id: string }).id;
	ctx = { components: doc.components?.schemas ?? {}, knownIds: [a.user.id, b.user.id, uploaded.id, reel.videoId, reel.reelId, commentId] };
	ids = { tokens: [a.accessToken, b.accessToken] };
}, 150_000);

afterAll(async () => {
	console.log(`[fuzz] ${requests} requests, seed ${SEED}; statuses ${JSON.stringify(Object.fromEntries([...statusCounts].sort()))}`);
	await stack?.stop();
});

/**
 * Runs `arb` through `send` and collects every broken property with the
 * request that broke it. The property itself always holds, so every run is
 * sent (fast-check would otherwise stop at the first failure and shrink it):
 * the pass reports all it finds, once per operation and kind of breakage.
 */
async function fuzz(arb: fc.Arbitrary<FuzzRequest>, declared: (r: FuzzRequest) => Set<number> | undefined, numRuns: number) {
	const broken = new Map<string, string>();
	await fc.assert(
		fc.asyncProperty(arb, async (r) => {
			// A dot segment sends the request to another route (the URL is normalised before any routing): its statuses are that route's.
			const normalised = new URL(r.path, "http://x").pathname === r.path.split("?")[0];
			for (const v of violations(r.path, normalised ? declared(r) : undefined, await send(r))) {
				const kind = `${r.method} ${r.path.split("?")[0]?.replace(/\/[^/]{20,}/g, "/…")} ${v.slice(0, 40)}`;
				if (!broken.has(kind))
					broken.set(
						kind,
						`${r.method} ${r.path.slice(0, 300)} ${JSON.stringify(r.headers).slice(0, 160)} ${(r.body ?? "").slice(0, 120)}\n    → ${v}`,
					);
			}
			return true;
		}),
		params(numRuns),
	);
	return [...broken.values()];
}

describe("fuzz: every operation in /openapi.json", () => {
	it("answers every arbitrary request with a declared, non-5xx status and no leaked internals", async () => {
		const broken: string[] = [];
		for (const op of operations) {
			if (op.path === "/ws") continue; // an upgrade; the socket frames are fuzzed below
			const before = new Map(statusCounts);
			broken.push(...(await fuzz(requestFor(op, ctx, ids), () => op.statuses, RUNS_PER_OPERATION)));
			const seen = [...statusCounts].map(([s, n]) => `${s}×${n - (before.get(s) ?? 0)}`).filter((e) => !e.endsWith("×0"));
			if (process.env.FUZZ_VERBOSE) console.log(`[fuzz] ${op.method} ${op.path}: ${seen.join(" ")}`);
		}
		expect(broken, `seed ${SEED}`).toEqual([]);
	}, 600_000);
});

describe("fuzz: the surfaces OpenAPI does not describe", () => {
	it("/cdn ranges and conditionals", async () => {
		const header = fc.oneof(
			fc.constantFrom(
				"bytes=0-0",
				"bytes=-1",
				"bytes=0-",
				"bytes=5-1",
				"bytes=0-1,2-3",
				"bytes=99999999-",
				"bytes=-0",
				"bits=0-1",
				"bytes=",
				"bytes=1-2-3",
			),
			fc.tuple(fc.integer({ min: -5, max: 2 ** 53 }), fc.integer({ min: -5, max: 2 ** 53 })).map(([a, b]) => `bytes=${a}-${b}`),
			hostileString(4_000).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
		);
		const arb = fc
			.record({
				method: fc.constantFrom("GET", "HEAD"),
				range: fc.option(header, { nil: undefined }),
				ifNoneMatch: fc.option(
					fc.oneof(
						fc.constantFrom("*", '"x"', 'W/"x"', ""),
						hostileString(200).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
					),
					{
						nil: undefined,
					},
				),
				ifModifiedSince: fc.option(
					fc.oneof(
						fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
						fc.constantFrom("yesterday", "0", ""),
					),
					{
						nil: undefined,
					},
				),
				ifRange: fc.option(fc.constantFrom('"x"', "Mon, 01 Jan 1990 00:00:00 GMT", "garbage"), { nil: undefined }),
			})
			.map(({ method, range, ifNoneMatch, ifModifiedSince, ifRange }) => {
				const headers: Record<string, string> = {};
				if (range !== undefined) headers.range = range;
				if (ifNoneMatch !== undefined) headers["if-none-match"] = ifNoneMatch;
				if (ifModifiedSince !== undefined) headers["if-modified-since"] = ifModifiedSince;
				if (ifRange !== undefined) headers["if-range"] = ifRange;
				return { method, path: `/cdn/${imageKey}`, headers };
			});
		expect(await fuzz(arb, () => declaredFor("GET", "/cdn/{key}"), 150), `seed ${SEED}`).toEqual([]);
	}, 120_000);

	it("/img option strings", async () => {
		const option = fc.oneof(
			fc
				.tuple(
					fc.constantFrom("width", "height", "fit", "gravity", "quality", "format", "dpr", "w", "h", "q", "f", "blur", ""),
					fc.oneof(
						fc.constantFrom("0", "-1", "320", "4097", "1e3", "0x10", "auto", "cover", "avif", "NaN", "3.5", "99999999999999999999"),
						hostileString(300),
					),
				)
				.map(([k, v]) => `${k}=${v}`),
			hostileString(300),
		);
		const arb = fc.array(option, { minLength: 0, maxLength: 6 }).map((opts) => ({
			method: "GET",
			path: `/img/${encode(opts.join(",")).replace(/%2C/g, ",").replace(/%3D/g, "=")}/${imageKey}`,
			headers: {},
		}));
		expect(await fuzz(arb, () => declaredFor("GET", "/img/{options}/{key}"), 150), `seed ${SEED}`).toEqual([]);
	}, 120_000);

	it("tus headers", async () => {
		const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, "");
		const numberish = fc.oneof(
			fc.constantFrom("0", "-1", "1", "0x10", "1e3", "", "5242880", "99999999999999999999", "536870913"),
			hostileString(100).map(printable),
		);
		const arb = fc
			.record({
				method: fc.constantFrom("POST", "PATCH", "HEAD", "DELETE", "OPTIONS"),
				id: fc.oneof(fc.uuid(), fc.constantFrom("x", "%00", "")),
				auth: fc.option(fc.constantFrom(...ids.tokens.map((t) => `Bearer ${t}`), "Bearer nope"), { nil: undefined }),
				resumable: fc.option(fc.constantFrom("1.0.0", "0.2.2", "", "1.0"), { nil: undefined }),
				length: fc.option(numberish, { nil: undefined }),
				offset: fc.option(numberish, { nil: undefined }),
				deferLength: fc.option(fc.constantFrom("1", "0", "yes"), { nil: undefined }),
				metadata: fc.option(
					fc.oneof(
						fc.constantFrom("filename ZS5tcDQ=,filetype dmlkZW8vbXA0", "filename", "filename !!!", "a b c", ",,,"),
						hostileString(2_000).map(printable),
					),
					{ nil: undefined },
				),
				type: fc.option(fc.constantFrom("application/offset+octet-stream", "text/plain", ""), { nil: undefined }),
				body: fc.option(fc.string({ unit: "binary", maxLength: 64 }), { nil: undefined }),
			})
			.map((r) => {
				const headers: Record<string, string> = {};
				if (r.auth) headers.authorization = r.auth;
				if (r.resumable !== undefined) headers["tus-resumable"] = r.resumable;
				if (r.length !== undefined) headers["upload-length"] = r.length;
				if (r.offset !== undefined) headers["upload-offset"] = r.offset;
				if (r.deferLength !== undefined) headers["upload-defer-length"] = r.deferLength;
				if (r.metadata !== undefined) headers["upload-metadata"] = r.metadata;
				if (r.type !== undefined) headers["content-type"] = r.type;
				const collection = r.method === "POST" || r.method === "OPTIONS";
				const withBody = r.method === "POST" || r.method === "PATCH";
				return {
					method: r.method,
					path: collection ? "/api/uploads/tus" : `/api/uploads/tus/${r.id}`,
					headers,
					...(withBody && r.body !== undefined ? { body: r.body } : {}),
				};
			});
		const declared = (r: FuzzRequest) => declaredFor(r.method, r.path === "/api/uploads/tus" ? r.path : "/api/uploads/tus/{id}");
		expect(await fuzz(arb, declared, 200), `seed ${SEED}`).toEqual([]);
	}, 120_000);

	it("WebSocket frames: the socket answers or closes with a policy code, never an internal error", async () => {
		const frame = fc.oneof(
			hostileString(2_000),
			fc.uint8Array({ maxLength: 2_000 }),
			fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
			fc.constantFrom("ping", '{"type":"ping"}', "{", "", "x".repeat(70_000)),
		);
		await fc.assert(
			fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 8 }), async (frames) => {
				requests++;
				const ws = new WebSocket(`${stack.baseUrl.replace("http", "ws")}/ws`, { headers: { authorization: `Bearer ${ids.tokens[0]}` } });
				const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
				await new Promise<void>((resolve, reject) => {
					ws.once("open", () => resolve());
					ws.once("error", reject);
				});
				for (const f of frames) ws.send(f);
				ws.close(1000);
				const code = await closed;
				// 1011 is the runtime's "internal error"; 1006 means the server dropped the connection without a close frame.
				return code !== 1011 && code !== 1006;
			}),
			{ ...params(25) },
		);
	}, 120_000);
});
