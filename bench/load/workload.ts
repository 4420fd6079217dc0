// The mixed load: browsing clients (feed, reel pages, likes, comments, follows,
// search, inbox), image uploaders, video uploaders (single request and tus),
// and WebSocket listeners, all at once for a fixed time, every acknowledged
// write kept in the ledger. Used by `npm run bench:load` and by the fault runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeClip, makeTestJpeg } from "../../scripts/test-media.ts";
import { Client } from "./http-client.ts";
import { RouteStats } from "./route-stats.ts";
import { SocketFleet } from "./socket-fleet.ts";
import { WriteLedger } from "./write-ledger.ts";

export interface LoadOptions {
	seconds: number;
	browsers: number;
	imageUploaders: number;
	videoUploaders: number;
	sockets: number;
	/** Mean pause between one client's actions (a person reading), in ms. */
	thinkMs: number;
	/** Reels posted before the load starts, so there is something to browse. */
	seedReels: number;
}

export const loadOptionsFromEnv = (env = process.env, defaults: Partial<LoadOptions> = {}): LoadOptions => {
	const n = (name: string, fallback: number) => Number(env[name] ?? fallback);
	return {
		seconds: n("LOAD_SECONDS", defaults.seconds ?? 120),
		browsers: n("LOAD_BROWSERS", defaults.browsers ?? 200),
		imageUploaders: n("LOAD_IMAGE_UPLOADERS", defaults.imageUploaders ?? 20),
		videoUploaders: n("LOAD_VIDEO_UPLOADERS", defaults.videoUploaders ?? 3),
		sockets: n("LOAD_SOCKETS", defaults.sockets ?? 2000),
		thinkMs: n("LOAD_THINK_MS", defaults.thinkMs ?? 500),
		seedReels: n("LOAD_SEED_REELS", defaults.seedReels ?? 4),
	};
};

interface User {
	id: string;
	client: Client;
}

export interface VideoRecord {
	id: string;
	owner: string;
	via: "single" | "tus";
	uploadedAt: number;
	endedAt?: number;
	status: string;
	reason?: string;
}

export interface LoadRun {
	stats: RouteStats;
	ledger: WriteLedger;
	fleet: SocketFleet;
	/** Notifications the sockets should get: user → key → when the write that caused it was sent. */
	socketExpectations: Map<string, Map<string, number>>;
	videos: VideoRecord[];
	backlog: number[];
	users: User[];
	reader: Client;
	elapsedSeconds: number;
	tokenOf: (user: string) => string;
}

/** workers/realtime/socket-limits.ts MAX_SOCKETS_PER_USER. */
const SOCKETS_PER_PERSON = 8;
const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];
const pause = (meanMs: number) => new Promise((r) => setTimeout(r, meanMs * (0.5 + Math.random())));
let ipCounter = 0;
const nextIp = () => {
	ipCounter++;
	return `10.${60 + ((ipCounter >> 16) & 63)}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
};

async function register(baseUrl: string, stats: RouteStats, name: string): Promise<User> {
	const client = new Client(baseUrl, nextIp(), stats);
	for (let attempt = 0; attempt < 5; attempt++) {
		const res = await client.call("POST /api/auth/register", "/api/auth/register", {
			method: "POST",
			json: { email: `load-${crypto.randomUUID()}@example.test`, password: "load test pass 1", name },
		});
		if (res.status === 201) {
			const body = res.body as { accessToken: string; refreshToken: string; user: { id: string } };
			client.token = body.accessToken;
			client.refreshToken = body.refreshToken;
			return { id: body.user.id, client };
		}
	}
	throw new Error(`could not register ${name}`);
}

async function inBatches<T>(count: number, size: number, make: (i: number) => Promise<T>): Promise<T[]> {
	const out: T[] = [];
	for (let start = 0; start < count; start += size) {
		out.push(...(await Promise.all(Array.from({ length: Math.min(size, count - start) }, (_, j) => make(start + j)))));
	}
	return out;
}

/** Uploads a clip (multipart or tus), returns the video id, or undefined when the upload was refused. */
async function uploadVideo(u: User, clip: Buffer, via: "single" | "tus"): Promise<string | undefined> {
	if (via === "single") {
		const form = new FormData();
		form.set("file", new Blob([new Uint8Array(clip)], { type: "video/mp4" }), "load.mp4");
		const res = await u.client.call("POST /api/videos/upload", "/api/videos/upload", { method: "POST", body: form });
		return res.status === 202 ? (res.body as { id: string }).id : undefined;
	}
	const tus = { "tus-resumable": "1.0.0" };
	const created = await u.client.call("POST /api/uploads/tus", "/api/uploads/tus", {
		method: "POST",
		headers: {
			...tus,
			"upload-length": String(clip.length),
			"upload-metadata": `filename ${btoa("load.mp4")},filetype ${btoa("video/mp4")}`,
		},
	});
	const location = created.headers.get("location");
	if (created.status !== 201 || !location) return undefined;
	const path = new URL(location, u.client.baseUrl).pathname;
	const sent = await u.client.call("PATCH /api/uploads/tus/{id}", path, {
		method: "PATCH",
		headers: { ...tus, "upload-offset": "0", "content-type": "application/offset+octet-stream" },
		body: new Uint8Array(clip),
	});
	return sent.status === 204 ? path.slice(path.lastIndexOf("/") + 1) : undefined;
}

/** Polls the video's status until it ends or `until` passes. */
async function awaitVideo(u: User, v: VideoRecord, until: number): Promise<void> {
	while (Date.now() < until) {
		const res = await u.client.call("GET /api/videos/{id}/status", `/api/videos/${v.id}/status`);
		const body = res.body as { status?: string; error?: string | null; reason?: string | null };
		if (res.status === 200 && body.status) v.status = body.status;
		if (v.status === "ready" || v.status === "failed") {
			v.endedAt = Date.now();
			v.reason = body.error ?? body.reason ?? undefined;
			return;
		}
		await new Promise((r) => setTimeout(r, 1_000)); // a person watching the progress bar
	}
}

async function postReel(u: User, ledger: WriteLedger, videoId: string, caption: string): Promise<void> {
	const res = await u.client.call("POST /api/reels", "/api/reels", { method: "POST", json: { video_id: videoId, caption } });
	if (res.status === 201 || res.status === 200) ledger.reel((res.body as { id: string }).id, u.id);
}

/**
 * Runs the load. `during`, if given, starts with the load phase (after sign-ups, seed reels and
 * sockets) and runs alongside it: the fault runs inject their fault there.
 */
export async function runLoad(
	baseUrl: string,
	o: LoadOptions,
	{
		log = console.log,
		during,
	}: { log?: (msg: string) => void; during?: (live: { videos: VideoRecord[]; stats: RouteStats }) => Promise<void> } = {},
): Promise<LoadRun> {
	const stats = new RouteStats();
	const ledger = new WriteLedger();
	const dir = mkdtempSync(join(tmpdir(), "load-"));
	try {
		const clip = makeClip(dir, { size: "360x640", seconds: 4 }).bytes;
		const jpeg = makeTestJpeg(dir);
		log(`registering ${o.browsers + o.imageUploaders + o.videoUploaders} users`);
		const browsers = await inBatches(o.browsers, 8, (i) => register(baseUrl, stats, `Browser ${i}`));
		const imagers = await inBatches(o.imageUploaders, 8, (i) => register(baseUrl, stats, `Imager ${i}`));
		const videographers = await inBatches(o.videoUploaders, 8, (i) => register(baseUrl, stats, `Videographer ${i}`));
		// The server keeps at most MAX_SOCKETS_PER_USER (8) sockets per person and closes the oldest past
		// that; listeners beyond 8 per person are people of their own (followed, so they hear of it too).
		const listenersNeeded = Math.max(0, Math.ceil(o.sockets / SOCKETS_PER_PERSON) - browsers.length - o.videoUploaders);
		const listeners = await inBatches(listenersNeeded, 8, (i) => register(baseUrl, stats, `Listener ${i}`));
		const people = [...browsers, ...videographers, ...listeners];
		// The current token of each: clients renew theirs (http-client.ts), so read it when needed.
		const clientOf = new Map([...people, ...imagers].map((u) => [u.id, u.client]));

		log(`posting ${o.seedReels} reels to browse`);
		const videos: VideoRecord[] = [];
		await Promise.all(
			browsers.slice(0, o.seedReels).map(async (u, i) => {
				const id = await uploadVideo(u, clip, "single");
				if (!id) throw new Error("a seed upload was refused");
				const v: VideoRecord = { id, owner: u.id, via: "single", uploadedAt: Date.now(), status: "queued" };
				await awaitVideo(u, v, Date.now() + 300_000);
				if (v.status !== "ready") throw new Error(`a seed video ended ${v.status}: ${v.reason}`);
				await postReel(u, ledger, id, `seed reel ${i} #load`);
			}),
		);

		log(`opening ${o.sockets} WebSockets`);
		const fleet = new SocketFleet(baseUrl.replace(/^http/, "ws"));
		await fleet.open(
			o.sockets,
			people.map((u) => ({ id: u.id, token: () => u.client.token as string })),
		);

		const socketExpectations = new Map<string, Map<string, number>>();
		const expectSocket = (user: string, key: string, sentAt: number) => {
			const m = socketExpectations.get(user) ?? new Map<string, number>();
			socketExpectations.set(user, m);
			if (!m.has(key)) m.set(key, sentAt);
		};
		const started = Date.now();
		const end = started + o.seconds * 1000;
		const running = () => Date.now() < end;
		const backlog: number[] = [];
		const sampler = setInterval(() => backlog.push(videos.filter((v) => v.endedAt === undefined).length), 1_000);
		// Tokens last 15 minutes: renew everyone's every 10 (listeners make no calls that would), so a
		// socket closed at its token's expiry (4001) comes back with a fresh one.
		const renewer = setInterval(() => {
			for (const client of clientOf.values()) void client.renew();
		}, 600_000);
		log(`load: ${o.browsers} browsing, ${o.imageUploaders} uploading images, ${o.videoUploaders} uploading videos, ${o.seconds} s`);

		const browse = async (u: User) => {
			while (running()) {
				const reels = [...ledger.reels.keys()];
				const roll = Math.random();
				if (roll < 0.3) {
					// Reels of earlier runs on the same stack show up here too; clients act only on this run's
					// (the ledger knows their every like), so the feed is read, not harvested.
					await u.client.call("GET /api/feed", "/api/feed?limit=10");
				} else if (roll < 0.5) {
					const reel = pick(reels);
					if (reel) {
						await u.client.call("GET /api/reels/{id}", `/api/reels/${reel}`);
						await u.client.call("GET /api/reels/{id}/comments", `/api/reels/${reel}/comments?limit=20`);
					}
				} else if (roll < 0.65) {
					const reel = pick(reels);
					if (reel) {
						const liked = ledger.likeState(u.id, reel) !== "on";
						const res = await u.client.call(
							liked ? "POST /api/reels/{id}/like" : "DELETE /api/reels/{id}/like",
							`/api/reels/${reel}/like`,
							{
								method: liked ? "POST" : "DELETE",
							},
						);
						const ok = res.status === 200;
						// A refusal (4xx) changed nothing; an error or no answer may have.
						if (ok || res.status === 0 || res.status >= 500) ledger.like(u.id, reel, liked, ok);
						const author = ledger.reels.get(reel);
						if (ok && liked && author && author !== u.id) expectSocket(author, `REEL_LIKED ${reel} ${u.id}`, res.sentAt);
					}
				} else if (roll < 0.75) {
					const reel = pick(reels);
					if (reel) {
						const nonce = `c-${crypto.randomUUID()}`;
						const res = await u.client.call("POST /api/reels/{id}/comments", `/api/reels/${reel}/comments`, {
							method: "POST",
							json: { text: nonce },
							headers: { "idempotency-key": nonce },
						});
						const id = res.status === 201 || res.status === 200 ? (res.body as { id: string }).id : undefined;
						if (id || res.status === 0 || res.status >= 500) ledger.comment(u.id, reel, nonce, id);
						const author = ledger.reels.get(reel);
						if (id && author && author !== u.id) expectSocket(author, `NEW_COMMENT ${id}`, res.sentAt);
					}
				} else if (roll < 0.85) {
					const other = pick(people);
					if (other && other.id !== u.id) {
						const following = ledger.followState(u.id, other.id) !== "on";
						const res = await u.client.call(
							following ? "POST /api/users/{id}/follow" : "DELETE /api/users/{id}/follow",
							`/api/users/${other.id}/follow`,
							{
								method: following ? "POST" : "DELETE",
							},
						);
						const ok = res.status === 200;
						if (ok || res.status === 0 || res.status >= 500) ledger.follow(u.id, other.id, following, ok);
						if (ok && following) expectSocket(other.id, `NEW_FOLLOWER ${u.id}`, res.sentAt);
					}
				} else if (roll < 0.95) {
					await u.client.call("GET /api/search", `/api/search?q=${pick(["seed", "load", "reel", "seed reel"])}`);
				} else {
					await u.client.call("GET /api/notifications", "/api/notifications?limit=20");
				}
				await pause(o.thinkMs);
			}
		};

		const uploadImages = async (u: User) => {
			while (running()) {
				const form = new FormData();
				form.set("file", new Blob([new Uint8Array(jpeg)], { type: "image/jpeg" }), "load.jpg");
				const res = await u.client.call("POST /cdn/upload", "/cdn/upload", { method: "POST", body: form });
				if (res.status === 201) ledger.asset(new URL((res.body as { fileUrl: string }).fileUrl, baseUrl).pathname);
				await pause(1_000);
			}
		};

		const uploadVideos = async (u: User, n: number) => {
			for (let i = 0; running(); i++) {
				const via = (n + i) % 2 === 0 ? "single" : "tus";
				const id = await uploadVideo(u, clip, via);
				if (!id) {
					await pause(1_000);
					continue;
				}
				ledger.acknowledged++; // the upload itself; the video's end is checked separately
				const v: VideoRecord = { id, owner: u.id, via, uploadedAt: Date.now(), status: "queued" };
				videos.push(v);
				await awaitVideo(u, v, end);
				if (v.status === "ready") await postReel(u, ledger, id, `video ${id.slice(0, 8)} #load`);
			}
		};

		await Promise.all([
			...browsers.map(browse),
			...imagers.map(uploadImages),
			...videographers.map(uploadVideos),
			...(during ? [during({ videos, stats })] : []),
		]);
		clearInterval(sampler);
		clearInterval(renewer);
		const elapsedSeconds = (Date.now() - started) / 1000;
		return {
			stats,
			ledger,
			fleet,
			socketExpectations,
			videos,
			backlog,
			users: [...people, ...imagers],
			reader: new Client(baseUrl, nextIp(), stats),
			elapsedSeconds,
			tokenOf: (id: string) => clientOf.get(id)?.token ?? "",
		};
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
