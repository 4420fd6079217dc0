// Brings up what the Workers-runtime tests talk to for real: a Postgres
// primary + streaming replica (a separate test cluster, not the dev one) and
// the transcoder as a Node process. Values reach vitest.config.ts via inject().
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import pgClient from "pg";
import type { TestProject } from "vitest/node";
import { freePorts } from "./scripts/free-port.ts";
import { type MailCatcher, startMailCatcher } from "./scripts/mail-catcher.ts";
import { migratePostgres } from "./scripts/migrate.ts";
import { type PoolInfo, poolDown, poolUp } from "./scripts/pg-pool.ts";
import { down, runningPorts, testCluster, up } from "./scripts/postgres-cluster.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./scripts/webhook-receiver.ts";
import { createTranscoder } from "./transcode-container/src/server.ts";
import { HEARTBEAT_INTERVAL_MS, writeHeartbeat } from "./workers/lib/postgres/heartbeat-sql.ts";

declare module "vitest" {
	export interface ProvidedContext {
		/** The Worker's Hyperdrive bindings: the pool (scripts/pg-pool.ts) in front of each server. */
		primaryUrl: string;
		replicaUrl: string;
		adminUrl: string;
		transcoderUrl: string;
		/** A webhook receiver (scripts/webhook-receiver.ts): POST /hooks/<name>, GET /received/<name>. */
		webhookReceiverUrl: string;
		/** The mail catcher (scripts/mail-catcher.ts): the Worker's SMTP_URL, and its listing (GET /messages?to=). */
		smtpUrl: string;
		mailCatcherUrl: string;
		/** A real 1 s portrait H.264/AAC MP4 made by ffmpeg, base64. */
		sampleVideoBase64: string;
		/** A real 64x48 PNG made by ffmpeg, base64. */
		samplePngBase64: string;
		/** A real 1280x720 JPEG made by ffmpeg, base64. */
		sampleJpegBase64: string;
		/** A real 6 s 320x180 H.264/AAC MPEG-TS (what a live publisher sends) made by ffmpeg, base64. */
		sampleLiveTsBase64: string;
	}
}

/** Real media for the Workers tests, made by the same ffmpeg the transcoder uses. */
function makeSampleMedia(dir: string) {
	mkdirSync(dir, { recursive: true });
	const ffmpeg = (args: string[]) => {
		const r = spawnSync("ffmpeg", ["-v", "error", "-y", ...args], { encoding: "utf8" });
		if (r.error || r.status !== 0) {
			throw new Error(`ffmpeg failed (${r.error?.message ?? r.stderr}); install it with \`apt-get install -y ffmpeg\``);
		}
	};
	const video = join(dir, "sample.mp4");
	const png = join(dir, "sample.png");
	ffmpeg([
		"-f",
		"lavfi",
		"-i",
		"testsrc=size=180x320:rate=25",
		"-f",
		"lavfi",
		"-i",
		"sine=frequency=440",
		"-t",
		"1",
		"-c:v",
		"libx264",
		"-pix_fmt",
		"yuv420p",
		"-c:a",
		"aac",
		video,
	]);
	const jpeg = join(dir, "sample.jpg");
	ffmpeg(["-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1", png]);
	ffmpeg(["-f", "lavfi", "-i", "testsrc=size=1280x720", "-frames:v", "1", "-q:v", "3", jpeg]);
	const liveTs = join(dir, "live.ts");
	// Encoded as scripts/live-push.ts does (a keyframe a second), at a size the live ladder keeps as one small rung.
	ffmpeg([
		...["-f", "lavfi", "-i", "testsrc=size=320x180:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "6"],
		...["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "30", "-c:a", "aac", "-f", "mpegts", liveTs],
	]);
	return {
		video: readFileSync(video).toString("base64"),
		png: readFileSync(png).toString("base64"),
		jpeg: readFileSync(jpeg).toString("base64"),
		liveTs: readFileSync(liveTs).toString("base64"),
	};
}

export default async function setup(project: TestProject) {
	const media = makeSampleMedia(resolve(import.meta.dirname, ".local/test-media"));
	const root = resolve(import.meta.dirname);
	// A cluster a watch session left running is reused on its ports; otherwise ports free right now.
	const ports = runningPorts(testCluster(root, { primaryPort: 0, replicaPort: 0 }));
	const [primaryPort, replicaPort] = ports ? [ports.primaryPort, ports.replicaPort] : await freePorts(2);
	const cluster = testCluster(root, { primaryPort: primaryPort as number, replicaPort: replicaPort as number });
	const pg = up(cluster);
	// The Worker reaches both servers through a transaction-mode pool, as through Hyperdrive in production.
	let pool: PoolInfo;
	try {
		pool = poolUp(cluster, (await freePorts(1))[0] as number);
	} catch (err) {
		if (pg.started) down(cluster);
		throw err;
	}
	const transcoder = createTranscoder({
		port: 0,
		host: "127.0.0.1",
		workDir: resolve(import.meta.dirname, ".local/transcoder-test"),
		maxSourceBytes: 64 * 1024 * 1024,
		maxSourceSeconds: 60,
		maxConcurrentJobs: 2,
	});
	// The replication heartbeat, beating from the start: in wrangler dev and production the
	// ReplicationHeartbeat Durable Object's alarm writes it (tested on its own); here every test
	// file runs in its own runtime, so the suite's cluster gets the same beat from Node.
	const beat = new pgClient.Client({ connectionString: pg.primaryUrl });
	let beating: NodeJS.Timeout | undefined;
	let receiver: WebhookReceiver | undefined;
	let mail: MailCatcher | undefined;
	// Leave a cluster running that somebody else started (e.g. a watch session).
	const stop = async () => {
		clearInterval(beating);
		await beat.end().catch(() => undefined);
		await transcoder.drain();
		await receiver?.close();
		await mail?.close();
		if (pool.started) poolDown(cluster);
		if (pg.started) down(cluster);
	};
	let port: number;
	try {
		await migratePostgres(pg.primaryUrl);
		await beat.connect();
		await writeHeartbeat(beat);
		beating = setInterval(() => void writeHeartbeat(beat).catch(() => undefined), HEARTBEAT_INTERVAL_MS / 2);
		// Port 0: the OS picks a free port at bind time, so nothing can take it first.
		transcoder.server.listen(0, "127.0.0.1");
		await once(transcoder.server, "listening");
		port = (transcoder.server.address() as AddressInfo).port;
		receiver = await startWebhookReceiver();
		// Each run's mail on its own: the listing parses every file it keeps.
		const mailDir = resolve(import.meta.dirname, ".local/mail-test");
		rmSync(mailDir, { recursive: true, force: true });
		mail = await startMailCatcher({ dir: mailDir });
	} catch (err) {
		// A failed start leaves nothing running.
		await stop();
		throw err;
	}

	project.provide("primaryUrl", pool.primaryUrl);
	project.provide("replicaUrl", pool.replicaUrl);
	project.provide("adminUrl", pg.adminUrl);
	project.provide("transcoderUrl", `http://127.0.0.1:${port}`);
	project.provide("webhookReceiverUrl", receiver.url);
	project.provide("smtpUrl", (mail as MailCatcher).smtpUrl);
	project.provide("mailCatcherUrl", (mail as MailCatcher).webUrl);
	project.provide("sampleVideoBase64", media.video);
	project.provide("samplePngBase64", media.png);
	project.provide("sampleLiveTsBase64", media.liveTs);
	project.provide("sampleJpegBase64", media.jpeg);

	return stop;
}
