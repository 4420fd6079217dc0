// Building an account's data export (the account-jobs consumer runs it): every JSON document of
// EXPORT_FORMAT.md's shapes, written file by file into one tar that streams into R2 through the
// upload path's bounded writer (at most one 8 MiB part in memory, whatever the account's size).
// Lists go in files of PAGE items (reels-0001.json, …), read a page at a time. Originals are not
// copied: media.json links each one, signed for as long as the archive is kept.
import { and, eq, sql } from "drizzle-orm";
import { signedMediaUrl } from "../../cdn/signing/media-url-signature";
import { R2StreamWriter } from "../../cdn/upload/r2-stream-writer";
import { configOf } from "../../lib/config/config";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";
import { logger } from "../../lib/observability/logger";
import { type RoutedDatabase, withDatabase } from "../../lib/postgres/routed-database";
import { dataExports } from "../../lib/postgres/schema";
import { exportKey } from "../../lib/r2/export-keys";
import { mailLaterOrLog } from "../../mail/mail-jobs";
import { publish } from "../../realtime/publish";
import { unfolded } from "../reels/counter-shards";
import { EXPORT_FORMAT_README } from "./export-format";
import { tarWriter } from "./tar";

/** How long an archive (and its links) is kept. */
export const EXPORT_KEPT_DAYS = 7;
const PAGE = 1000;
/** JSON only (originals are linked), so even a very large account stays far below this. */
const MAX_EXPORT_BYTES = 2 * 1024 * 1024 * 1024;

type Row = Record<string, unknown>;

/** Reads `query` a page at a time (keyset on `id`), handing each page to `each`. */
async function paged(
	db: RoutedDatabase,
	query: (after: string, limit: number) => ReturnType<typeof sql>,
	each: (rows: Row[], n: number) => Promise<void>,
) {
	let after = "00000000-0000-0000-0000-000000000000";
	for (let n = 1; ; n++) {
		const { rows } = await db.readFromPrimary((q) => q.execute<Row & { id: string }>(query(after, PAGE)));
		if (rows.length === 0 && n > 1) return;
		await each(rows, n);
		if (rows.length < PAGE) return;
		after = (rows.at(-1) as { id: string }).id;
	}
}

const file = (base: string, n: number) => `${base}-${String(n).padStart(4, "0")}.json`;

export async function buildExport(env: Env, userId: string, exportId: string, { lastAttempt }: { lastAttempt: boolean }): Promise<void> {
	await withDatabase(env, async (db) => {
		const [job] = await db.readFromPrimary((q) =>
			q
				.select()
				.from(dataExports)
				.where(and(eq(dataExports.id, exportId), eq(dataExports.userId, userId)))
				.limit(1),
		);
		// Gone (the account was deleted) or already done: a duplicate message changes nothing.
		if (job?.status !== "pending") return;
		const key = exportKey(userId, exportId);
		const writer = new R2StreamWriter(env.MEDIA, key, "application/x-tar", MAX_EXPORT_BYTES);
		try {
			await writeArchive(env, db, userId, writer);
			const object = await writer.close();
			const expiresAt = new Date(Date.now() + EXPORT_KEPT_DAYS * 86_400_000);
			const done = await db.write((q) =>
				q
					.update(dataExports)
					.set({ status: "ready", r2Key: key, bytes: object.size, readyAt: new Date(), expiresAt })
					.where(and(eq(dataExports.id, exportId), eq(dataExports.status, "pending")))
					.returning({ id: dataExports.id }),
			);
			// The account was deleted (or reset) while this was written: the archive goes, and nobody is told.
			if (done.length === 0) {
				await env.MEDIA.delete(key);
				return;
			}
		} catch (err) {
			await writer.abort().catch(() => undefined);
			if (!lastAttempt) throw err;
			logger.error("export_failed", { userId, exportId, error: (err as Error).message });
			await db.write((q) => q.update(dataExports).set({ status: "failed" }).where(eq(dataExports.id, exportId)));
			return;
		}
		await mailLaterOrLog(env, { kind: "export_ready", userId, exportId });
		await publish(env, db, { userIds: [userId] }, { type: "EXPORT_READY", data: { exportId } }, { dedupeKey: `export-ready:${exportId}` });
	});
}

async function writeArchive(env: Env, db: RoutedDatabase, userId: string, writer: R2StreamWriter): Promise<void> {
	const tar = tarWriter(writer);
	const u = sql`${userId}::uuid`;
	const origin = configOf(env).APP_ORIGIN;
	await tar.file("README.txt", EXPORT_FORMAT_README);

	const { rows: profile } = await db.readFromPrimary((q) =>
		q.execute(sql`SELECT id, email, email_verified_at AS "emailVerifiedAt", name, handle, bio, role, private, avatar_asset_id AS "avatarAssetId",
			follower_count AS "followerCount", following_count AS "followingCount", created_at AS "createdAt" FROM users WHERE id = ${u}`),
	);
	await tar.json("profile.json", profile[0] ?? null);

	const totals = { reels: 0, views: 0, likes: 0, comments: 0 };
	await paged(
		db,
		(after, limit) => sql`
			SELECT r.id, r.caption, r.hashtags, r.visibility, r.media_status AS "mediaStatus", r.video_asset_id AS "videoId",
			       r.duration_ms AS "durationMs", r.hidden_at AS "hiddenAt", r.created_at AS "createdAt", r.updated_at AS "updatedAt",
			       (r.view_count + ${unfolded("views", sql`r.id`)})::int AS views, (r.like_count + ${unfolded("likes", sql`r.id`)})::int AS likes,
			       (r.comment_count + ${unfolded("comments", sql`r.id`)})::int AS comments
			FROM reels r WHERE r.author_id = ${u} AND r.id > ${after}::uuid ORDER BY r.id LIMIT ${limit}`,
		async (rows, n) => {
			for (const r of rows) {
				totals.reels++;
				totals.views += Number(r.views);
				totals.likes += Number(r.likes);
				totals.comments += Number(r.comments);
			}
			await tar.json(file("reels", n), rows);
		},
	);
	await tar.json("analytics.json", { totals, perReel: "views, likes and comments of each reel are in reels-*.json" });

	await paged(
		db,
		(after, limit) => sql`SELECT id, reel_id AS "reelId", parent_id AS "parentId", text, created_at AS "createdAt"
			FROM comments WHERE author_id = ${u} AND id > ${after}::uuid ORDER BY id LIMIT ${limit}`,
		(rows, n) => tar.json(file("comments", n), rows),
	);
	await paged(
		db,
		(after, limit) => sql`SELECT reel_id AS id, reel_id AS "reelId", created_at AS "createdAt"
			FROM likes WHERE user_id = ${u} AND reel_id > ${after}::uuid ORDER BY reel_id LIMIT ${limit}`,
		(rows, n) =>
			tar.json(
				file("likes", n),
				rows.map(({ id: _, ...r }) => r),
			),
	);
	await paged(
		db,
		(after, limit) => sql`SELECT u.id, u.handle, u.name, f.created_at AS "since" FROM follows f JOIN users u ON u.id = f.followee_id
			WHERE f.follower_id = ${u} AND u.id > ${after}::uuid ORDER BY u.id LIMIT ${limit}`,
		(rows, n) => tar.json(file("following", n), rows),
	);
	await paged(
		db,
		(after, limit) => sql`SELECT u.id, u.handle, u.name, f.created_at AS "since" FROM follows f JOIN users u ON u.id = f.follower_id
			WHERE f.followee_id = ${u} AND u.id > ${after}::uuid ORDER BY u.id LIMIT ${limit}`,
		(rows, n) => tar.json(file("followers", n), rows),
	);
	await paged(
		db,
		(after, limit) => sql`SELECT id, type, data, created_at AS "createdAt", read_at AS "readAt"
			FROM notifications WHERE user_id = ${u} AND id > ${after}::uuid ORDER BY id LIMIT ${limit}`,
		(rows, n) => tar.json(file("notifications", n), rows),
	);
	const { rows: keys } = await db.readFromPrimary((q) =>
		q.execute(
			sql`SELECT id, name, scopes, expires_at AS "expiresAt", created_at AS "createdAt" FROM api_keys WHERE user_id = ${u} ORDER BY created_at`,
		),
	);
	await tar.json("api-keys.json", keys);
	const { rows: hooks } = await db.readFromPrimary((q) =>
		q.execute(sql`SELECT id, url, description, events, disabled_at AS "disabledAt", created_at AS "createdAt"
			FROM webhook_endpoints WHERE user_id = ${u} ORDER BY created_at`),
	);
	await tar.json("webhooks.json", hooks);

	// The media plane: each asset, its original linked (signed for as long as the archive is kept).
	const ttl = EXPORT_KEPT_DAYS * 86_400;
	let after = "";
	for (let n = 1; ; n++) {
		const page = await mediaDb(env)
			.select()
			.from(assets)
			.where(and(eq(assets.ownerId, userId), sql`${assets.id} > ${after}`))
			.orderBy(assets.id)
			.limit(PAGE);
		if (page.length === 0 && n > 1) break;
		const media = await Promise.all(
			page.map(async (a) => ({
				id: a.id,
				kind: a.kind,
				status: a.status,
				contentType: a.contentType,
				bytes: a.bytes,
				width: a.width,
				height: a.height,
				durationMs: a.durationMs,
				createdAt: a.createdAt,
				original: a.status === "failed" ? null : `${origin}${await signedMediaUrl(env, a.r2Key, ttl)}`,
			})),
		);
		await tar.json(file("media", n), media);
		if (page.length < PAGE) break;
		after = (page.at(-1) as { id: string }).id;
	}
	await tar.end();
}
