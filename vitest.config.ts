import { resolve } from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";
import { buildAssets, buildWebApp } from "./scripts/build-assets.ts";
import { generateSigningKey } from "./scripts/signing-keys.ts";

// wrangler.toml serves static assets from this folder; it must exist before the runtime starts.
await buildWebApp(buildAssets());

// A loopback port nothing listens on: stands in for a Postgres server that is down.
const DEAD_POSTGRES = "postgresql://reels:reels-local@127.0.0.1:9/reels";

/**
 * pg loads pg-cloudflare with require(), which the test runner resolves without
 * the `workerd` export condition, so pg would get the package's empty Node stub
 * instead of the socket (brianc/node-postgres#3493). wrangler's bundler resolves
 * it correctly; only the test runner needs this.
 */
function pgCloudflareForWorkerd(): Plugin {
	const socket = resolve(import.meta.dirname, "node_modules/pg-cloudflare/dist/index.js");
	return { name: "pg-cloudflare-for-workerd", enforce: "pre", resolveId: (id) => (id === "pg-cloudflare" ? socket : undefined) };
}

export default defineConfig({
	// On the root config: the Workers pool resolves require() calls through the root Vite server.
	plugins: [pgCloudflareForWorkerd()],
	test: {
		projects: [
			{
				// Worker, Durable Object and Queue code, inside workerd with real local bindings.
				plugins: [
					cloudflareTest(async ({ inject }) => ({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: {
							hyperdrives: {
								HYPERDRIVE: inject("primaryUrl"),
								HYPERDRIVE_REPLICA: inject("replicaUrl"),
								DEAD_PRIMARY: DEAD_POSTGRES,
								DEAD_REPLICA: DEAD_POSTGRES,
							},
							bindings: {
								ENVIRONMENT: "test",
								TRANSCODER_URL: inject("transcoderUrl"),
								WEBHOOK_RECEIVER_URL: inject("webhookReceiverUrl"),
								SMTP_URL: inject("smtpUrl"),
								MAIL_CATCHER_URL: inject("mailCatcherUrl"),
								// A notification's mail waits a second, not two minutes.
								NOTIFICATION_MAIL_DELAY_SECONDS: "1",
								PG_CONNECT_TIMEOUT_MS: "1500",
								TEST_MIGRATIONS: await readD1Migrations("./migrations/d1"),
								SAMPLE_VIDEO_BASE64: inject("sampleVideoBase64"),
								SAMPLE_PNG_BASE64: inject("samplePngBase64"),
								SAMPLE_JPEG_BASE64: inject("sampleJpegBase64"),
								SAMPLE_LIVE_TS_BASE64: inject("sampleLiveTsBase64"),
								// Two keys: the first signs, both verify (rotation). Fresh every run.
								JWT_PRIVATE_KEYS: JSON.stringify([generateSigningKey("test-current"), generateSigningKey("test-previous")]),
								// Generous quotas so tests do not spend each other's; quota tests set their own.
								QUOTA_ANON_PER_HOUR: "100000",
								QUOTA_USER_PER_HOUR: "100000",
								QUOTA_AUTH_PER_HOUR: "100000",
								QUOTA_API_KEY_PER_HOUR: "100000",
								QUOTA_PLAYBACK_PER_HOUR: "100000",
								IMAGE_URL_KEYS: JSON.stringify({ "img-current": "c".repeat(40), "img-previous": "p".repeat(40) }),
								MEDIA_URL_KEYS: JSON.stringify({ "media-current": "m".repeat(40), "media-previous": "q".repeat(40) }),
								// A small recovery window, so tests can reach past it.
								REALTIME_RETAIN_EVENTS: "5",
								// A short live grace period, so the stalled-publisher test waits 2 s, not 10.
								LIVE_GRACE_SECONDS: "2",
								// Test files run side by side: the platform's live encoder cap is tested on an object of its own.
								LIVE_MAX_CONCURRENT: "1000",
								LIVE_CONCURRENT_PER_ADDRESS: "1000",
								// A chat budget a test can reach with 41 sockets (slow mode at one message a second).
								LIVE_CHAT_SENDS_PER_SECOND: "40",
							},
						},
					})),
				],
				test: {
					name: "workers",
					include: ["workers/**/*.test.ts", "durable-objects/**/*.test.ts"],
					exclude: ["**/*.node.test.ts"],
					globalSetup: ["./vitest.global-setup.ts"],
					setupFiles: ["./workers/test-support/apply-migrations.ts"],
					// The Worker's own logs go straight to the runtime's stdout instead of through Vitest's
					// RPC: work that outlives a test (a queue consumer finishing, a waitUntil) may log while
					// its file's environment closes, and a console message in flight then failed the whole
					// run with "Closing rpc while onUserConsoleLog was pending" (seen in 1 of 5 clean runs).
					disableConsoleIntercept: true,
					// Polls for what happens after a response (an edge-cache put, a socket message held back
					// up to 1 s by design) wait up to 5-10 s and return as soon as it holds; the runner's 5 s
					// default would cut them short on a loaded machine.
					testTimeout: 20_000,
				},
			},
			{
				// The transcoder service and the local-stack scripts, in Node.
				test: {
					name: "node",
					environment: "node",
					include: [
						"transcode-container/**/*.test.ts",
						"scripts/**/*.test.ts",
						"workers/**/*.node.test.ts",
						"durable-objects/**/*.node.test.ts",
						// The web app's pure modules (no DOM): what its pages render from.
						"web/**/*.test.ts",
						// Its hooks and components with logic, in a DOM (happy-dom, chosen per file).
						"web/**/*.test.tsx",
					],
					exclude: ["**/*.e2e.test.ts"],
				},
			},
			{
				// The whole local stack as `npm run dev` starts it, on ports of its own.
				test: {
					name: "e2e",
					environment: "node",
					include: ["scripts/**/*.e2e.test.ts"],
					testTimeout: 30_000,
					// Each file runs a whole stack (workerd, two Postgres servers, the transcoder): one at a time on small machines.
					fileParallelism: false,
				},
			},
		],
	},
});
