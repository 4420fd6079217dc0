// What may be fetched when a video is copied from a URL, as production decides it
// (URL_IMPORT_ALLOW_PRIVATE_URLS false). Names are resolved by `resolve` and the remote server
// answers through `fetcher`: this machine has no internet, and these are what a stranger controls.
// The copy itself, from a real server, is in scripts/transcode-pipeline.e2e.test.ts.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { HttpProblem } from "../../lib/problems/http-problem";
import { api, registerUser } from "../../test-support/api";
import { fetchRemoteVideo } from "./fetch-remote-video";

const production = { ...env, URL_IMPORT_ALLOW_PRIVATE_URLS: "false" } as Env;
const publicDns = async (host: string) => (host === "inside.example.com" ? ["10.0.0.5"] : ["93.184.215.14"]);

async function problemOf(p: Promise<unknown>) {
	try {
		await p;
	} catch (err) {
		if (err instanceof HttpProblem) return { status: err.status, code: err.code, detail: err.detail };
		throw err;
	}
	throw new Error("no problem");
}

/** A remote server: each URL's answer, and every URL asked. */
function server(answers: Record<string, () => Response>) {
	const asked: string[] = [];
	const fetcher = (async (input: RequestInfo | URL) => {
		const url = String(input);
		asked.push(url);
		return (answers[url] ?? (() => new Response("nope", { status: 404 })))();
	}) as typeof fetch;
	return { fetcher, asked };
}

describe("fetchRemoteVideo in production", () => {
	it("refuses loopback, private, link-local and metadata addresses, plain HTTP and local names, before any request", async () => {
		const { fetcher, asked } = server({});
		for (const url of [
			"http://video.example.com/a.mp4",
			"https://127.0.0.1/a.mp4",
			"https://169.254.169.254/latest/meta-data",
			"https://10.1.2.3/a.mp4",
			"https://[::1]/a.mp4",
			"https://[::ffff:192.168.0.1]/a.mp4",
			"https://localhost/a.mp4",
			"https://inside.example.com/a.mp4",
		]) {
			expect(await problemOf(fetchRemoteVideo(production, url, { fetcher, resolve: publicDns })), url).toMatchObject({
				status: 422,
				code: "url_refused",
			});
		}
		expect(asked).toEqual([]);
	});

	it("checks every redirect again, and follows at most three", async () => {
		const redirect = (to: string) => () => new Response(null, { status: 302, headers: { location: to } });
		const inside = server({ "https://cdn.example.com/a.mp4": redirect("https://127.0.0.1/a.mp4") });
		expect(await problemOf(fetchRemoteVideo(production, "https://cdn.example.com/a.mp4", { ...inside, resolve: publicDns }))).toMatchObject(
			{
				code: "url_refused",
			},
		);
		expect(inside.asked).toEqual(["https://cdn.example.com/a.mp4"]);
		const loop = server({
			"https://a.example.com/1": redirect("/2"),
			"https://a.example.com/2": redirect("/3"),
			"https://a.example.com/3": redirect("/4"),
			"https://a.example.com/4": redirect("/5"),
		});
		expect(await problemOf(fetchRemoteVideo(production, "https://a.example.com/1", { ...loop, resolve: publicDns }))).toMatchObject({
			code: "url_unreadable",
			detail: "The video could not be fetched: more than 3 redirects.",
		});
	});

	it("refuses an answer that is not a video or declares more than the limit, and says what a failed server answered", async () => {
		const { fetcher } = server({
			"https://a.example.com/page": () => new Response("<html>", { headers: { "content-type": "text/html" } }),
			"https://a.example.com/huge.mp4": () =>
				new Response("x", { headers: { "content-type": "video/mp4", "content-length": String(50 * 1024 ** 3) } }),
			"https://a.example.com/ok.mp4": () => new Response("bytes", { headers: { "content-type": "video/mp4", "content-length": "5" } }),
		});
		const opts = { fetcher, resolve: publicDns };
		expect(await problemOf(fetchRemoteVideo(production, "https://a.example.com/page", opts))).toMatchObject({ status: 415 });
		expect(await problemOf(fetchRemoteVideo(production, "https://a.example.com/huge.mp4", opts))).toMatchObject({
			status: 413,
			code: "file_too_large",
		});
		expect(await problemOf(fetchRemoteVideo(production, "https://a.example.com/gone.mp4", opts))).toMatchObject({
			status: 422,
			detail: "The video could not be fetched: the server answered 404.",
		});
		const ok = await fetchRemoteVideo(production, "https://a.example.com/ok.mp4", opts);
		expect(ok.filename).toBe("ok.mp4");
		await ok.body.cancel();
		// More than the owner's room left, declared: refused before a byte is read.
		expect(await problemOf(fetchRemoteVideo(production, "https://a.example.com/ok.mp4", { ...opts, roomLeft: 3 }))).toMatchObject({
			status: 413,
			code: "storage_quota_exceeded",
		});
	});

	it("answers a broken redirect or a body the server breaks off as the caller's 422, not a 500", async () => {
		let pulls = 0;
		const broken = new ReadableStream<Uint8Array>({
			pull(c) {
				if (pulls++ === 0) c.enqueue(new Uint8Array([1, 2, 3]));
				else c.error(new Error("ECONNRESET"));
			},
		});
		const { fetcher } = server({
			"https://a.example.com/bad": () => new Response(null, { status: 301, headers: { location: "https://[::1" } }),
			"https://a.example.com/cut.mp4": () => new Response(broken, { headers: { "content-type": "video/mp4" } }),
		});
		const opts = { fetcher, resolve: publicDns };
		expect(await problemOf(fetchRemoteVideo(production, "https://a.example.com/bad", opts))).toMatchObject({
			status: 422,
			code: "url_unreadable",
		});
		const cut = await fetchRemoteVideo(production, "https://a.example.com/cut.mp4", opts);
		const reader = cut.body.getReader();
		expect((await reader.read()).value).toEqual(new Uint8Array([1, 2, 3]));
		expect(await problemOf(reader.read())).toMatchObject({
			status: 422,
			code: "url_unreadable",
			detail: "The video could not be fetched: the server broke off.",
		});
	});
});

describe("POST /api/videos/copy", () => {
	it("refuses a loopback URL with the production setting, and anything but an http(s) URL", async () => {
		const owner = await registerUser();
		const copy = (url: string, overrides: Partial<Env> = {}) =>
			api("/api/videos/copy", { method: "POST", token: owner.accessToken, json: { url } }, overrides);
		const refused = await copy("http://127.0.0.1:9/clip.mp4", { URL_IMPORT_ALLOW_PRIVATE_URLS: "false" });
		expect(refused.status).toBe(422);
		expect(await refused.json()).toMatchObject({ code: "url_refused" });
		expect((await copy("ftp://example.com/clip.mp4")).status).toBe(400);
		expect((await copy("file:///etc/passwd")).status).toBe(400);
		expect((await api("/api/videos/copy", { method: "POST", json: { url: "https://example.com/a.mp4" } })).status).toBe(401);
	});
});
