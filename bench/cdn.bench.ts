// The media plane on local workerd, each figure against a baseline from the same run:
//   (a) delivering a cached original (GET /cdn/<key>, edge-cache hit) vs a bare
//       hono Worker returning the same bytes from memory;
//   (b) resizing a 2700x2200 JPEG to 720 px wide with every cache out of the way
//       (a fresh key per request, no variant store) vs sharp called directly in Node.
// Run: npm run bench:cdn
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { registerOn, startDevStack } from "../scripts/dev-stack-process.ts";
import { startBareWorker } from "./support/bare-worker.ts";
import { expectStatus, measure, report } from "./support/latency.ts";

const DELIVERY_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const RESIZE_ROUNDS = Number(process.env.BENCH_RESIZE_ROUNDS ?? 30);

function largeJpeg(): Buffer {
	const path = join(mkdtempSync(join(tmpdir(), "cdn-bench-")), "large.jpg");
	const r = spawnSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=2700x2200", "-frames:v", "1", "-q:v", "3", path]);
	if (r.status !== 0) throw new Error("ffmpeg is needed to make the test image");
	return readFileSync(path);
}

async function main() {
	const jpeg = largeJpeg();
	const stack = await startDevStack("bench", {
		vars: { QUOTA_ANON_PER_HOUR: "1000000", QUOTA_USER_PER_HOUR: "1000000", QUOTA_AUTH_PER_HOUR: "1000000", IMAGE_MAX_VARIANTS: "0" },
	});
	const bare = await startBareWorker();
	try {
		const { accessToken } = await registerOn(stack.baseUrl, { name: "CDN", ip: "10.5.0.1" });
		const upload = async (i: number) => {
			const form = new FormData();
			form.append("file", new File([new Uint8Array(jpeg)], "large.jpg", { type: "image/jpeg" }));
			const res = await fetch(`${stack.baseUrl}/cdn/upload`, {
				method: "POST",
				body: form,
				headers: { authorization: `Bearer ${accessToken}`, "cf-connecting-ip": `10.5.1.${i % 250}` },
			});
			return ((await (await expectStatus(res, 201, "upload")).json()) as { fileUrl: string }).fileUrl;
		};

		// (a) cached delivery vs the bare worker, same bytes.
		const original = await upload(0);
		for (let i = 0; i < 3; i++) await (await fetch(`${stack.baseUrl}${original}`)).arrayBuffer();
		const ip = (round: number) => `10.5.2.${Math.abs(round) % 16}`;
		const delivery = await measure(
			[
				{
					name: "bare hono worker",
					run: async () => {
						await (await expectStatus(await fetch(`${bare.baseUrl}/bytes/${jpeg.length}`), 200, "bare")).arrayBuffer();
					},
				},
				{
					name: "GET /cdn/<key> (cache hit)",
					run: async (round) => {
						const res = await expectStatus(
							await fetch(`${stack.baseUrl}${original}`, { headers: { "cf-connecting-ip": ip(round) } }),
							200,
							"cdn",
						);
						if (res.headers.get("x-cdn-cache") !== "HIT") throw new Error("expected an edge-cache hit");
						await res.arrayBuffer();
					},
				},
			],
			DELIVERY_ROUNDS,
		);
		const hit = report(`(a) delivering a ${jpeg.length}-byte JPEG, ${DELIVERY_ROUNDS} requests each`, delivery)[
			"GET /cdn/<key> (cache hit)"
		];

		// (b) resize with the cache off vs sharp in Node.
		const keys: string[] = [];
		for (let i = 0; i < RESIZE_ROUNDS + 3; i++) keys.push((await upload(i + 1)).slice("/cdn/".length));
		let next = 0;
		const resize = await measure(
			[
				{
					name: "sharp in Node",
					run: async () => {
						await sharp(jpeg).resize({ width: 720 }).jpeg({ quality: 85 }).toBuffer();
					},
				},
				{
					name: "GET /img/width=720 (no cache)",
					run: async (round) => {
						const key = keys[next++ % keys.length];
						const res = await expectStatus(
							await fetch(`${stack.baseUrl}/img/width=720,format=jpeg,quality=85/${key}`, { headers: { "cf-connecting-ip": ip(round) } }),
							200,
							"resize",
						);
						if (res.headers.get("x-img-cache") !== "MISS") throw new Error("expected a cache miss");
						await res.arrayBuffer();
					},
				},
			],
			RESIZE_ROUNDS,
			3,
		);
		const resized = report(`(b) resizing a 2700x2200 JPEG to 720 px wide, ${RESIZE_ROUNDS} times each`, resize)[
			"GET /img/width=720 (no cache)"
		];
		console.log(JSON.stringify({ bench: "cdn", hitVsBare: hit, resizeVsSharp: resized }));
	} finally {
		bare.stop();
		await stack.stop();
	}
}

main().catch((err: Error) => {
	console.error(err.message);
	process.exit(1);
});
