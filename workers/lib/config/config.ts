import { z } from "zod";

// wrangler.toml [vars] arrive as strings; this is the one place they are
// parsed, so a bad deploy fails loudly on the first request, not deep inside a feature.
const ConfigSchema = z.object({
	ENVIRONMENT: z.enum(["development", "test", "production"]),
	APP_VERSION: z.string().min(1),
	TRANSCODER_URL: z.union([z.literal(""), z.url()]),
	REPLICA_MAX_LAG_SECONDS: z.coerce.number().positive(),
	PG_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive(),
	JWT_ISSUER: z.string().min(1),
	JWT_AUDIENCE: z.string().min(1),
	ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600),
	REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(3600),
	CORS_ORIGINS: z
		.string()
		.transform((s) =>
			s
				.split(",")
				.map((o) => o.trim())
				.filter(Boolean),
		)
		.pipe(z.array(z.url())),
	/** How long an anonymous read of public data is shared by every anonymous caller of one isolate (lib/http/shared-reads.ts); 0: never. */
	SHARED_READ_SECONDS: z.coerce.number().min(0).max(10),
	QUOTA_ANON_PER_HOUR: z.coerce.number().int().positive(),
	QUOTA_USER_PER_HOUR: z.coerce.number().int().positive(),
	QUOTA_AUTH_PER_HOUR: z.coerce.number().int().positive(),
	/** Playback report batches (POST /api/playback) one account, or one address when anonymous, may send an hour. */
	QUOTA_PLAYBACK_PER_HOUR: z.coerce.number().int().positive(),
	/** Requests one API key may make an hour, apart from its owner's own quota. */
	QUOTA_API_KEY_PER_HOUR: z.coerce.number().int().positive(),
	/** Wrong passwords one account takes in 15 minutes, from any address, before each further try waits its turn. */
	LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive(),
	REALTIME_SHARDS: z.coerce.number().int().min(1).max(4096),
	REALTIME_VIRTUAL_NODES: z.coerce.number().int().min(1).max(4096),
	REALTIME_RETAIN_EVENTS: z.coerce.number().int().min(1).max(10_000),
	REALTIME_RETAIN_HOURS: z.coerce
		.number()
		.positive()
		.max(24 * 30),
	IMAGE_MAX_MEGAPIXELS: z.coerce.number().positive().max(200),
	IMAGE_MAX_VARIANTS: z.coerce.number().int().min(0).max(1000),
	/** Uncached image transforms one client (address, IPv6 /64) may cause per hour (cdn/images/transform-budget.ts). */
	IMAGE_TRANSFORMS_PER_HOUR: z.coerce.number().int().positive(),
	// The Images binding takes inputs up to 20 MB (developers.cloudflare.com/images/optimization/binding/).
	UPLOAD_MAX_IMAGE_BYTES: z.coerce.number().int().positive().max(20_000_000),
	UPLOAD_MAX_VIDEO_BYTES: z.coerce.number().int().positive(),
	/** Bytes one upload request may carry: below the zone's body limit (receive-upload.ts). */
	UPLOAD_MAX_REQUEST_BYTES: z.coerce.number().int().positive(),
	/** Bytes one user may store in all (originals; derived files are not counted). */
	STORAGE_QUOTA_BYTES_PER_USER: z.coerce.number().int().positive(),
	UPLOAD_ABANDON_HOURS: z.coerce.number().positive(),
	/** Resumable uploads one user may have open (created, not finished or terminated) at once. */
	TUS_MAX_OPEN_UPLOADS: z.coerce.number().int().positive(),
	/**
	 * Videos of one user transcoded at once; the rest wait their turn (deferred, not failed),
	 * so one user's pathological uploads cannot hold every transcoder slot.
	 */
	TRANSCODE_JOBS_PER_USER: z.coerce.number().int().positive(),
	/** A live stream whose publisher is gone or silent this long ends; one who comes back sooner continues it. */
	LIVE_GRACE_SECONDS: z.coerce.number().int().min(1).max(300),
	/** Chat sends (messages × viewers) one live stream makes per second at most (workers/live/viewer-room.ts). */
	LIVE_CHAT_SENDS_PER_SECOND: z.coerce.number().int().positive(),
	/** Live streams (idle or live) one user may have open at once. */
	/**
	 * Whether AVIF pictures may be uploaded: Cloudflare Images reads AVIF input only on Enterprise
	 * plans (developers.cloudflare.com/images/get-started/limits/); elsewhere the binding refuses it (9412).
	 */
	IMAGES_AVIF_INPUT: z
		.enum(["true", "false"])
		.default("false")
		.transform((v) => v === "true"),
	/**
	 * Whether webhook endpoints may be loopback or private addresses, or plain HTTP: true in the local
	 * stack and the tests (a receiver beside them), false in production (webhooks/endpoint-policy.ts).
	 */
	WEBHOOK_ALLOW_PRIVATE_URLS: z
		.enum(["true", "false"])
		.default("false")
		.transform((v) => v === "true"),
	/**
	 * Whether a video may be copied from a loopback or private address, or over plain HTTP: true in
	 * the local stack and the tests (a file served beside them), false in production (api/videos/copy-route.ts).
	 */
	URL_IMPORT_ALLOW_PRIVATE_URLS: z
		.enum(["true", "false"])
		.default("false")
		.transform((v) => v === "true"),
	LIVE_STREAMS_PER_USER: z.coerce.number().int().min(1).max(100),
	/** Live encoders taken at once by the platform, one account, one address (workers/live/live-slots.ts). */
	LIVE_MAX_CONCURRENT: z.coerce.number().int().min(1).max(10_000),
	LIVE_CONCURRENT_PER_USER: z.coerce.number().int().min(1).max(100),
	LIVE_CONCURRENT_PER_ADDRESS: z.coerce.number().int().min(1).max(10_000),
	/** The zone whose cache the purge API clears (cdn/purge/edge-purge.ts); empty: purge the local cache only. */
	CACHE_PURGE_ZONE_ID: z.string().default(""),
	/** How long signed media URLs (non-public reels, private originals) stay valid. */
	MEDIA_URL_TTL_SECONDS: z.coerce
		.number()
		.int()
		.min(60)
		.max(7 * 24 * 3600),
	/** Where the web app lives: the links in mail (verify, reset) point here. */
	APP_ORIGIN: z.url(),
	/** How mail leaves (workers/mail/transport.ts): SMTP to the local catcher, or the Email Service binding in production. */
	MAIL_TRANSPORT: z.enum(["smtp", "email-service"]),
	/** smtp://host:port of the local mail catcher (scripts/mail-catcher.ts); unused with email-service. */
	SMTP_URL: z.string().default(""),
	MAIL_FROM_ADDRESS: z.email(),
	MAIL_FROM_NAME: z.string().min(1).max(80),
	/**
	 * Addresses that become admin when, and only when, their owner verifies them (comma-separated,
	 * compared case-insensitively). Registering with one proves nothing; following its link does.
	 */
	ADMIN_EMAILS: z
		.string()
		.default("")
		.transform((s) =>
			s
				.split(",")
				.map((a) => a.trim().toLowerCase())
				.filter(Boolean),
		),
	/** How long a notification's mail waits in the queue; one read in the app meanwhile is not mailed. */
	NOTIFICATION_MAIL_DELAY_SECONDS: z.coerce.number().int().min(0).max(3600),
	/** Reels an account may post before its email is verified (docs/security.md says why a few, and why no live). */
	UNVERIFIED_MAX_REELS: z.coerce.number().int().min(0).max(1000),
	REEL_HIDE_AFTER_REPORTS: z.coerce.number().int().min(1).max(1000),
	/** Reports by accounts younger than this count for nothing towards hiding a reel. */
	REPORT_MIN_ACCOUNT_AGE_HOURS: z.coerce
		.number()
		.int()
		.min(0)
		.max(24 * 365),
	/** Reporters whose reports moderators overturned this many times count for nothing. */
	REPORTER_MAX_DISMISSED: z.coerce.number().int().min(1).max(1000),
});

export type Config = z.infer<typeof ConfigSchema>;

const cache = new WeakMap<object, Config>();

/** Validated configuration for this Env (memoised per Env object). */
export function configOf(env: Env): Config {
	let config = cache.get(env);
	if (!config) {
		const parsed = ConfigSchema.safeParse(env);
		if (!parsed.success) {
			throw new Error(`Invalid configuration in wrangler.toml [vars]: ${z.prettifyError(parsed.error)}`);
		}
		config = parsed.data;
		cache.set(env, config);
	}
	return config;
}
