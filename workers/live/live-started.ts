// LIVE_STARTED: a stream's owner went live; every follower hears it once
// (the dedupe key), through the outbox like every other event.
import { eq } from "drizzle-orm";
import { mediaDb } from "../lib/media-db/media-db";
import { liveStreams } from "../lib/media-db/schema";
import { withDatabase } from "../lib/postgres/routed-database";
import { writeWithEvents } from "../realtime/outbox";
import { livePlaybackPath } from "./live-playlists";
import type { LiveIdentity } from "./live-store";

export async function announceLiveStarted(env: Env, who: LiveIdentity): Promise<void> {
	const row = await mediaDb(env).query.liveStreams.findFirst({ where: eq(liveStreams.id, who.streamId), columns: { title: true } });
	const title = row?.title ?? null;
	const playback = { hls: livePlaybackPath(who.prefix) };
	await withDatabase(env, (db) =>
		writeWithEvents({ db, env }, async (_tx, emit) => {
			await emit({
				to: { followersOf: who.ownerId },
				type: "LIVE_STARTED",
				data: { streamId: who.streamId, ownerId: who.ownerId, title, playback },
				dedupeKey: `live-started:${who.streamId}`,
			});
			// The owner's webhooks: one event per stream (its id is derived from the stream's).
			await emit({
				webhook: {
					ownerId: who.ownerId,
					type: "live.started",
					subjectId: who.streamId,
					data: { id: who.streamId, status: "live", title, videoId: who.assetId, playback },
				},
			});
		}),
	);
}
