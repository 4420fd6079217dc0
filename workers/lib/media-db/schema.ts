// The media plane's D1 schema for drizzle. migrations/d1/ holds the SQL that
// creates it (applied by `wrangler d1 migrations apply` and by the tests).
import { integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const assetStatuses = ["uploading", "uploaded", "queued", "processing", "ready", "failed"] as const;
export type AssetStatus = (typeof assetStatuses)[number];

export const assets = sqliteTable("assets", {
	id: text("id").primaryKey(),
	ownerId: text("owner_id").notNull(),
	kind: text("kind", { enum: ["image", "video"] }).notNull(),
	status: text("status", { enum: assetStatuses }).notNull(),
	r2Key: text("r2_key").notNull().unique(),
	contentType: text("content_type").notNull(),
	bytes: integer("bytes").notNull(),
	checksum: text("checksum"),
	width: integer("width"),
	height: integer("height"),
	durationMs: integer("duration_ms"),
	/** Human-readable reason a video failed; `errorCode` is the stable machine-readable one. */
	error: text("error"),
	errorCode: text("error_code"),
	/** 0..1 while transcoding. */
	progress: real("progress").notNull().default(0),
	/** The queue message whose delivery is transcoding this asset, and until when (see transcode-consumer). */
	leaseOwner: text("lease_owner"),
	leaseExpiresAt: text("lease_expires_at"),
	/** When its first segments were published and the video became watchable (migrations/d1/0008_asset_playable.sql). */
	playableAt: text("playable_at"),
	title: text("title"),
	caption: text("caption"),
	/** Who may fetch its bytes (migrations/d1/0007_asset_access.sql, cdn/signing/media-access.ts). */
	access: text("access", { enum: ["public", "signed", "blocked"] })
		.notNull()
		.default("public"),
	/** A clip's parent video and range (migrations/d1/0013_clip_lineage.sql, api/videos/clip-route.ts). */
	clipOf: text("clip_of"),
	clipStartMs: integer("clip_start_ms"),
	clipEndMs: integer("clip_end_ms"),
	/**
	 * A video refused as too long whose original is kept to be trimmed: until then a clip of at most
	 * `trimMaxMs` can be made of it (migrations/d1/0014_trimmable_originals.sql, docs/clips.md).
	 */
	trimUntil: text("trim_until"),
	trimMaxMs: integer("trim_max_ms"),
	createdAt: text("created_at").notNull(),
	updatedAt: text("updated_at").notNull(),
});

export const imageVariants = sqliteTable("image_variants", {
	variantKey: text("variant_key").primaryKey(),
	originalKey: text("original_key").notNull(),
	options: text("options").notNull(),
	format: text("format", { enum: ["avif", "webp", "jpeg", "png"] }).notNull(),
	bytes: integer("bytes").notNull(),
	stored: integer("stored", { mode: "boolean" }).notNull(),
	createdAt: text("created_at").notNull(),
});

export const uploadSessions = sqliteTable("upload_sessions", {
	id: text("id").primaryKey(),
	ownerId: text("owner_id").notNull(),
	uploadLength: integer("upload_length").notNull(),
	uploadOffset: integer("upload_offset").notNull(),
	metadata: text("metadata").notNull(),
	filename: text("filename"),
	r2Key: text("r2_key"),
	r2UploadId: text("r2_upload_id"),
	parts: text("parts", { mode: "json" }).$type<R2UploadedPart[]>().notNull(),
	status: text("status", { enum: ["uploading", "complete", "terminated", "abandoned"] }).notNull(),
	createdAt: text("created_at").notNull(),
	updatedAt: text("updated_at").notNull(),
	/** The longest the video may be (a direct upload's limit), or null for the transcoder's own (migrations/d1/0010_direct_uploads.sql). */
	maxDurationS: integer("max_duration_s"),
});
export type UploadSession = typeof uploadSessions.$inferSelect;

/** One-time upload URLs for a creator's browser (migrations/d1/0010_direct_uploads.sql, cdn/tus/direct-uploads.ts). */
export const directUploads = sqliteTable("direct_uploads", {
	id: text("id").primaryKey(),
	ownerId: text("owner_id").notNull(),
	secretHash: text("secret_hash").notNull(),
	maxDurationS: integer("max_duration_s").notNull(),
	maxBytes: integer("max_bytes").notNull(),
	meta: text("meta", { mode: "json" }).$type<Record<string, string>>().notNull(),
	status: text("status", { enum: ["pending_upload", "used", "expired"] }).notNull(),
	expiresAt: text("expires_at").notNull(),
	createdAt: text("created_at").notNull(),
	usedAt: text("used_at"),
});
export type DirectUpload = typeof directUploads.$inferSelect;

export const derivedFiles = sqliteTable("derived_files", {
	r2Key: text("r2_key").primaryKey(),
	assetId: text("asset_id").notNull(),
	role: text("role", { enum: ["thumbnail", "poster", "storyboard", "rendition", "manifest", "preview"] }).notNull(),
	contentType: text("content_type").notNull(),
	bytes: integer("bytes").notNull(),
	createdAt: text("created_at").notNull(),
});

export const renditions = sqliteTable(
	"renditions",
	{
		assetId: text("asset_id").notNull(),
		width: integer("width").notNull(),
		height: integer("height").notNull(),
		bandwidth: integer("bandwidth").notNull(),
		codecs: text("codecs").notNull(),
		playlistKey: text("playlist_key").notNull(),
	},
	(t) => [primaryKey({ columns: [t.assetId, t.playlistKey] })],
);

/** A video's caption tracks, one per language (migrations/d1/0011_captions.sql, workers/captions/). */
export const captions = sqliteTable(
	"captions",
	{
		assetId: text("asset_id").notNull(),
		lang: text("lang").notNull(),
		label: text("label").notNull(),
		generated: integer("generated", { mode: "boolean" }).notNull(),
		rev: integer("rev").notNull(),
		vttKey: text("vtt_key").notNull(),
		playlistKey: text("playlist_key").notNull(),
		bytes: integer("bytes").notNull(),
		cueCount: integer("cue_count").notNull(),
		spoken: text("spoken").notNull(),
		createdAt: text("created_at").notNull(),
		updatedAt: text("updated_at").notNull(),
	},
	(t) => [primaryKey({ columns: [t.assetId, t.lang] })],
);
export type CaptionRow = typeof captions.$inferSelect;

/** The manifests listing a video's caption tracks, and the lock one change at a time holds. */
export const captionManifests = sqliteTable("caption_manifests", {
	assetId: text("asset_id").primaryKey(),
	rev: integer("rev").notNull(),
	hlsKey: text("hls_key"),
	dashKey: text("dash_key"),
	lockUntil: text("lock_until"),
	updatedAt: text("updated_at").notNull(),
});

export const liveStatuses = ["idle", "live", "ended"] as const;

/** Live streams (migrations/d1/0009_live_streams.sql); the LiveStream Durable Object writes `status`. */
export const liveStreams = sqliteTable("live_streams", {
	id: text("id").primaryKey(),
	ownerId: text("owner_id").notNull(),
	assetId: text("asset_id").notNull().unique(),
	keyHash: text("key_hash").notNull(),
	title: text("title"),
	status: text("status", { enum: liveStatuses }).notNull(),
	endReason: text("end_reason"),
	durationMs: integer("duration_ms"),
	createdAt: text("created_at").notNull(),
	startedAt: text("started_at"),
	endedAt: text("ended_at"),
	updatedAt: text("updated_at").notNull(),
});
export type LiveStreamRow = typeof liveStreams.$inferSelect;
