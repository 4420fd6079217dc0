// Bindings that exist only in the test configuration (vitest.config.ts).
declare namespace Cloudflare {
	interface Env {
		TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
		DEAD_PRIMARY: Hyperdrive;
		DEAD_REPLICA: Hyperdrive;
		SAMPLE_VIDEO_BASE64: string;
		SAMPLE_PNG_BASE64: string;
		SAMPLE_JPEG_BASE64: string;
		SAMPLE_LIVE_TS_BASE64: string;
		/** scripts/webhook-receiver.ts, started by vitest.global-setup.ts. */
		WEBHOOK_RECEIVER_URL: string;
		/** scripts/mail-catcher.ts's listing (GET /messages?to=), started by vitest.global-setup.ts. */
		MAIL_CATCHER_URL: string;
	}
}
