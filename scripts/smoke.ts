// The platform's main flow against any deployment, local or production:
//   npm run smoke -- https://reels.example.com        (or http://localhost:8787)
//
// health → two fresh accounts → the fan follows the creator → the creator's
// socket opens → a 2 s video is uploaded → TRANSCODE_READY arrives on the
// socket → a public reel is posted → its HLS playlist is served → the fan's
// inbox holds NEW_REEL. Each step is bounded in time; the first failure exits 1
// naming the step. The accounts it makes are throwaway (smoke-<random>@…).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const STEP_TIMEOUT_MS = Number(process.env.SMOKE_STEP_TIMEOUT_MS ?? 180_000);
const PASSWORD = "smoke test 9 password";

const given = process.argv[2]?.replace(/\/$/, "");
if (!given || !/^https?:\/\//.test(given)) {
	console.error("usage: npm run smoke -- <base-url>   e.g. http://localhost:8787");
	process.exit(2);
}
const base: string = given;

type Json = Record<string, unknown>;
const started = Date.now();
const say = (step: string, detail = "") =>
	console.log(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s  ${step}${detail ? `  ${detail}` : ""}`);

class StepFailed extends Error {}

async function call(path: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<{ status: number; body: Json }> {
	const headers = new Headers(init.headers);
	if (init.token) headers.set("authorization", `Bearer ${init.token}`);
	if (init.json !== undefined) headers.set("content-type", "application/json");
	const res = await fetch(`${base}${path}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
	const text = await res.text();
	let body: Json = {};
	try {
		body = text ? (JSON.parse(text) as Json) : {};
	} catch {
		body = { text: text.slice(0, 200) };
	}
	return { status: res.status, body };
}

function expectStatus(step: string, got: { status: number; body: Json }, want: number) {
	if (got.status !== want) throw new StepFailed(`${step}: expected ${want}, got ${got.status} ${JSON.stringify(got.body).slice(0, 300)}`);
}

/** Polls `check` until it returns a value, or fails the step after STEP_TIMEOUT_MS. */
async function until<T>(step: string, check: () => Promise<T | undefined>, everyMs = 500): Promise<T> {
	const deadline = Date.now() + STEP_TIMEOUT_MS;
	for (;;) {
		const value = await check();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new StepFailed(`${step}: not done within ${STEP_TIMEOUT_MS / 1000}s`);
		await new Promise((r) => setTimeout(r, everyMs));
	}
}

async function register(role: string): Promise<{ token: string; id: string }> {
	const email = `smoke-${role}-${crypto.randomUUID().slice(0, 8)}@example.com`;
	const res = await call("/api/auth/register", { method: "POST", json: { email, password: PASSWORD, name: `Smoke ${role}` } });
	expectStatus(`register the ${role}`, res, 201);
	return { token: res.body.accessToken as string, id: (res.body.user as Json).id as string };
}

/** The creator's socket: resolves with the first event of `type` (the socket is opened before the upload). */
function openSocket(token: string): { next: (type: string) => Promise<Json>; close: () => void } {
	const socket = new WebSocket(`${base.replace(/^http/, "ws")}/ws`, ["bearer", token]);
	const seen: Json[] = [];
	const waiting: { type: string; resolve: (e: Json) => void }[] = [];
	socket.addEventListener("message", (m) => {
		const event = JSON.parse(String(m.data)) as Json;
		seen.push(event);
		for (const w of waiting.filter((w) => w.type === event.type)) w.resolve(event);
	});
	const opened = new Promise<void>((resolve, reject) => {
		socket.addEventListener("open", () => resolve());
		socket.addEventListener("error", () => reject(new StepFailed("open the creator's WebSocket: connection failed")));
	});
	return {
		next: async (type) => {
			await opened;
			const already = seen.find((e) => e.type === type);
			if (already) return already;
			return new Promise<Json>((resolve, reject) => {
				const timer = setTimeout(
					() => reject(new StepFailed(`wait for ${type} on the socket: none within ${STEP_TIMEOUT_MS / 1000}s`)),
					STEP_TIMEOUT_MS,
				);
				waiting.push({
					type,
					resolve: (e) => {
						clearTimeout(timer);
						resolve(e);
					},
				});
			});
		},
		close: () => socket.close(),
	};
}

async function main() {
	const health = await call("/health");
	expectStatus("health", health, 200);
	say("health", String(health.body.status));

	const creator = await register("creator");
	const fan = await register("fan");
	expectStatus("follow", await call(`/api/users/${creator.id}/follow`, { method: "POST", token: fan.token }), 200);
	say("two accounts, one follow");

	const socket = openSocket(creator.token);
	try {
		const form = new FormData();
		const video = readFileSync(resolve(import.meta.dirname, "fixtures/smoke.mp4"));
		form.append("file", new File([video], "smoke.mp4", { type: "video/mp4" }));
		form.append("caption", "smoke test #smoke");
		const upload = await call("/api/videos/upload", { method: "POST", token: creator.token, body: form });
		expectStatus("upload the video", upload, 202);
		const videoId = upload.body.id as string;
		say("uploaded", videoId);

		const ready = await socket.next("TRANSCODE_READY");
		if ((ready.data as Json | undefined)?.assetId !== videoId)
			throw new StepFailed(`TRANSCODE_READY names another video: ${JSON.stringify(ready)}`);
		say("transcoded", "TRANSCODE_READY on the creator's socket");

		const reel = await call("/api/reels", {
			method: "POST",
			token: creator.token,
			json: { video_id: videoId, caption: "smoke test #smoke" },
		});
		expectStatus("post the reel", reel, 201);
		const hls = (reel.body.video as Json).hls as string;
		const playlist = await fetch(`${base}${hls}`);
		const text = await playlist.text();
		if (playlist.status !== 200 || !text.startsWith("#EXTM3U")) throw new StepFailed(`play the reel: ${hls} answered ${playlist.status}`);
		say("reel posted and playable", String(reel.body.id));

		await until("NEW_REEL in the fan's inbox", async () => {
			const inbox = await call("/api/notifications?limit=20", { token: fan.token });
			return (inbox.body.items as Json[] | undefined)?.find((n) => n.type === "NEW_REEL" && (n.data as Json).reelId === reel.body.id);
		});
		say("the fan was notified", "NEW_REEL");
	} finally {
		socket.close();
	}
	console.log(`smoke ok: ${base} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

main().catch((err: Error) => {
	console.error(`smoke FAILED: ${err instanceof StepFailed ? err.message : err.stack}`);
	process.exit(1);
});
