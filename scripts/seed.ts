// `npm run seed [-- <base-url>]`: demo content for a running stack (default
// the local `npm run dev`), made only through the public API, as a client
// would: creators with avatars and bios, short portrait clips generated with
// FFmpeg in varied colours, uploaded and transcoded by the real pipeline, then
// posted as reels with captions and hashtags; follows, likes, comments and a
// fresh trending ranking. Idempotent: everything is looked up before it is
// made, so a second run changes nothing.
//   SEED_CREATORS (5) and SEED_CLIPS (6 per creator) size it.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { followVerificationMail } from "./verify-email.ts";

const PASSWORD = "demo password 1";
const COLOURS = ["0xff6b6b", "0x4ecdc4", "0xffd93d", "0x6c5ce7", "0x00b894", "0xfd79a8", "0x0984e3", "0xe17055"];
const CREATORS = [
	{ slug: "ada", name: "Ada Lovelace", bio: "Notes on engines, analytical and otherwise." },
	{ slug: "grace", name: "Grace Hopper", bio: "Debugging since 1947. Nanoseconds on request." },
	{ slug: "alan", name: "Alan Turing", bio: "Morphogenesis, marathons and the occasional machine." },
	{ slug: "katherine", name: "Katherine Johnson", bio: "Trajectories, checked twice." },
	{ slug: "tim", name: "Tim Berners-Lee", bio: "Links, mostly." },
	{ slug: "margaret", name: "Margaret Hamilton", bio: "Software engineering, the name included." },
];
const TOPICS = ["coffee", "dance", "sunset", "cats", "travel", "cooking", "music", "science"];
const COMMENTS = ["Love this!", "So good", "Wait for the end…", "Saving this one", "How did you make this?", "Again!"];

interface Session {
	token: string;
	id: string;
	slug: string;
	name: string;
}

const say = (msg: string) => console.log(`[seed] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client of the public API that waits out 429/503 (Retry-After) as any polite client would. */
function client(base: string) {
	return async function call(path: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<Response> {
		const headers = new Headers(init.headers);
		if (init.token) headers.set("authorization", `Bearer ${init.token}`);
		if (init.json !== undefined) headers.set("content-type", "application/json");
		const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
		for (let attempt = 0; ; attempt++) {
			const res = await fetch(new URL(path, base), { ...init, headers, body });
			if ((res.status !== 429 && res.status !== 503) || attempt >= 5) return res;
			const wait = Math.min(30, Number(res.headers.get("retry-after")) || 2);
			say(`${res.status} on ${path}: waiting ${wait}s as Retry-After asks`);
			await res.body?.cancel();
			await sleep(wait * 1000);
		}
	};
}
type Call = ReturnType<typeof client>;

async function json<T>(res: Response, what: string, ok: number[] = [200, 201]): Promise<T> {
	if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}

function ffmpeg(args: string[]) {
	const r = spawnSync("ffmpeg", ["-v", "error", "-y", ...args], { encoding: "utf8" });
	if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr || r.error?.message}; install it with \`apt-get install -y ffmpeg\``);
}

/** A portrait clip: a moving two-colour gradient with a tone, `seconds` long. */
function makeClip(dir: string, name: string, colours: [string, string], seconds: number): Buffer {
	const path = join(dir, `${name}.mp4`);
	ffmpeg([
		...["-f", "lavfi", "-i", `gradients=s=540x960:c0=${colours[0]}:c1=${colours[1]}:x0=0:y0=0:x1=540:y1=960:speed=0.02:rate=30`],
		...["-f", "lavfi", "-i", `sine=frequency=${220 + name.length * 40}:sample_rate=48000`],
		...["-t", String(seconds), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path],
	]);
	return readFileSync(path);
}

function makeAvatar(dir: string, slug: string, colours: [string, string]): Buffer {
	const path = join(dir, `${slug}.jpg`);
	ffmpeg(["-f", "lavfi", "-i", `gradients=s=256x256:c0=${colours[0]}:c1=${colours[1]}:type=radial`, "-frames:v", "1", "-q:v", "3", path]);
	return readFileSync(path);
}

const form = (bytes: Buffer, filename: string, type: string, fields: Record<string, string> = {}) => {
	const f = new FormData();
	for (const [k, v] of Object.entries(fields)) f.set(k, v);
	f.set("file", new Blob([new Uint8Array(bytes)], { type }), filename);
	return f;
};

/**
 * Registers (or signs in) a demo creator and verifies its address the way a person does, with the
 * link the platform mailed (read from the local mail catcher at `mailUrl`): creators post more
 * reels than an unverified account may.
 */
async function signIn(
	call: Call,
	base: string,
	mailUrl: string,
	c: (typeof CREATORS)[number],
): Promise<{ session: Session; created: boolean }> {
	const email = `demo-${c.slug}@seed.reels-edge.dev`;
	const reg = await call("/api/auth/register", { method: "POST", json: { email, password: PASSWORD, name: c.name } });
	const created = reg.status === 201;
	const res = created ? reg : await call("/api/auth/login", { method: "POST", json: { email, password: PASSWORD } });
	const body = await json<{ accessToken: string; user: { id: string; emailVerified: boolean } }>(res, `sign in ${email}`);
	if (!body.user.emailVerified) {
		// An account made before its first link was followed gets a fresh one.
		if (!created) await (await call("/api/auth/verify/resend", { method: "POST", token: body.accessToken })).body?.cancel();
		await followVerificationMail(base, mailUrl, email);
	}
	return { session: { token: body.accessToken, id: body.user.id, slug: c.slug, name: c.name }, created };
}

async function ensureProfile(call: Call, s: Session, bio: string, avatar: () => Buffer): Promise<boolean> {
	const me = await json<{ bio: string; avatarAssetId: string | null }>(await call("/api/users/me", { token: s.token }), "me");
	if (me.avatarAssetId && me.bio === bio) return false;
	const up = await json<{ id: string }>(
		await call("/cdn/upload", { method: "POST", token: s.token, body: form(avatar(), `${s.slug}.jpg`, "image/jpeg") }),
		"avatar upload",
	);
	await json(await call("/api/users/me", { method: "PATCH", token: s.token, json: { bio, avatarAssetId: up.id } }), "profile");
	return true;
}

interface Planned {
	owner: Session;
	tag: string;
	caption: string;
	colours: [string, string];
	seconds: number;
}

/** The reel carrying `tag`, if the first run already posted it (each clip has a hashtag of its own). */
async function existingReel(call: Call, p: Planned): Promise<string | undefined> {
	const page = await json<{ items: { id: string; author: { id: string } }[] }>(
		await call(`/api/hashtags/${p.tag}/reels?limit=5`, { token: p.owner.token }),
		`hashtag ${p.tag}`,
	);
	return page.items.find((r) => r.author.id === p.owner.id)?.id;
}

async function waitReady(call: Call, p: Planned, videoId: string): Promise<void> {
	const deadline = Date.now() + 10 * 60_000;
	while (Date.now() < deadline) {
		const st = await json<{ status: string; progress: number; error: { message: string } | null }>(
			await call(`/api/videos/${videoId}/status`, { token: p.owner.token }),
			"video status",
		);
		if (st.status === "ready") return;
		if (st.status === "failed") throw new Error(`transcoding #${p.tag} failed: ${st.error?.message}`);
		await sleep(1000);
	}
	throw new Error(`#${p.tag} was not transcoded within 10 minutes: is the transcoder running?`);
}

export async function seed(
	base: string,
	{ creators = 5, clipsPerCreator = 6, mailUrl = process.env.SEED_MAIL_URL ?? "http://127.0.0.1:8026" } = {},
) {
	const call = client(base);
	const scratch = resolve(import.meta.dirname, "../.local/seed-media");
	mkdirSync(scratch, { recursive: true });
	// What this run made; likes are idempotent (liking twice changes nothing), so they are not counted.
	const made = { creators: 0, profiles: 0, reels: 0, follows: 0, comments: 0 };
	const health = await call("/health").catch((e: Error) => {
		throw new Error(`nothing answers at ${base} (${e.message}): start the platform with \`npm run dev\` first`);
	});
	await health.body?.cancel();

	const people: Session[] = [];
	for (const [i, c] of CREATORS.slice(0, creators).entries()) {
		const { session, created } = await signIn(call, base, mailUrl, c);
		people.push(session);
		if (created) made.creators++;
		const colours: [string, string] = [COLOURS[i % COLOURS.length] as string, COLOURS[(i + 3) % COLOURS.length] as string];
		if (await ensureProfile(call, session, c.bio, () => makeAvatar(scratch, c.slug, colours))) made.profiles++;
		say(`creator ${c.name} (${created ? "new" : "exists"})`);
	}

	const planned: Planned[] = people.flatMap((owner, i) =>
		Array.from({ length: clipsPerCreator }, (_, n) => {
			const topic = TOPICS[(i + n) % TOPICS.length] as string;
			const tag = `demo${owner.slug}${n + 1}`;
			return {
				owner,
				tag,
				caption: `${["Morning", "Late night", "Weekend", "Quick"][n % 4]} ${topic} with ${owner.name.split(" ")[0]} #${topic} #demo #${tag}`,
				colours: [COLOURS[(i + n) % COLOURS.length] as string, COLOURS[(i + n + 5) % COLOURS.length] as string] as [string, string],
				seconds: 4 + (n % 3) * 2,
			};
		}),
	);
	// Upload every missing clip first, so the transcoder works on them side by side.
	const uploads: { p: Planned; videoId: string }[] = [];
	const reelIds: { p: Planned; id: string }[] = [];
	for (const p of planned) {
		const existing = await existingReel(call, p);
		if (existing) {
			reelIds.push({ p, id: existing });
			continue;
		}
		const bytes = makeClip(scratch, p.tag, p.colours, p.seconds);
		const up = await json<{ id: string }>(
			await call("/api/videos/upload", { method: "POST", token: p.owner.token, body: form(bytes, `${p.tag}.mp4`, "video/mp4") }),
			`upload #${p.tag}`,
			[202],
		);
		uploads.push({ p, videoId: up.id });
		say(`uploaded #${p.tag} (${(bytes.length / 1024).toFixed(0)} KiB)`);
	}
	for (const [i, { p, videoId }] of uploads.entries()) {
		await waitReady(call, p, videoId);
		const reel = await json<{ id: string }>(
			await call("/api/reels", { method: "POST", token: p.owner.token, json: { video_id: videoId, caption: p.caption } }),
			`post #${p.tag}`,
		);
		reelIds.push({ p, id: reel.id });
		made.reels++;
		say(`reel ${i + 1}/${uploads.length} ready: #${p.tag}`);
	}

	// Each creator follows the next two, and likes and comments on the reels of those it follows.
	for (const [i, me] of people.entries()) {
		const followed = [people[(i + 1) % people.length], people[(i + 2) % people.length]].filter((o): o is Session => !!o && o.id !== me.id);
		for (const other of followed) {
			const before = await json<{ items: { id: string }[] }>(await call(`/api/users/${me.id}/following?limit=100`), "following");
			if (!before.items.some((u) => u.id === other.id)) made.follows++;
			await json(await call(`/api/users/${other.id}/follow`, { method: "POST", token: me.token }), "follow");
			for (const [n, r] of reelIds.filter((x) => x.p.owner.id === other.id).entries()) {
				await json(await call(`/api/reels/${r.id}/like`, { method: "POST", token: me.token }), "like");
				if (n % 2 === 0) {
					const res = await call(`/api/reels/${r.id}/comments`, {
						method: "POST",
						token: me.token,
						headers: { "idempotency-key": `seed-${me.slug}-${r.p.tag}` },
						json: { text: COMMENTS[(i + n) % COMMENTS.length] },
					});
					if (res.status === 201) made.comments++;
					await json(res, "comment");
				}
			}
		}
	}
	// A trending ranking that includes the new reels: locally the cron can be fired by hand
	// (wrangler dev --test-scheduled); elsewhere the five-minute cron does it.
	const trending = await call("/__scheduled?cron=*/5+*+*+*+*");
	await trending.body?.cancel();
	say(trending.ok ? "trending recomputed" : "trending: the five-minute cron will rank the new reels");

	const summary = Object.entries(made)
		.map(([k, v]) => `${v} ${k}`)
		.join(", ");
	say(`done: made ${summary} (${reelIds.length} demo reels in all; a second run makes nothing)`);
	say(`look: ${new URL("/api/feed", base)}  ${new URL("/api/search?q=coffee", base)}  ${new URL("/docs", base)}`);
	say(`sign in as demo-ada@seed.reels-edge.dev / "${PASSWORD}" (demo accounts only)`);
	return { made, reels: reelIds.map((r) => r.id), creators: people.map((p) => p.id) };
}

if (import.meta.main) {
	const base = process.argv[2] ?? "http://127.0.0.1:8787";
	const count = (name: string, fallback: number) => {
		const n = Number(process.env[name] ?? fallback);
		if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number`);
		return n;
	};
	seed(base, { creators: Math.min(CREATORS.length, count("SEED_CREATORS", 5)), clipsPerCreator: count("SEED_CLIPS", 6) }).catch(
		(err: Error) => {
			console.error(`[seed] ${err.message}`);
			process.exit(1);
		},
	);
}
