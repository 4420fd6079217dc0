// A live stream's heartbeat, run by its object's alarm: it ends the stream once
// its publisher is gone or silent past the grace period; otherwise it waits (a
// long poll) for the transcoder's next segment and publishes it to R2, marking
// the stream live the first time every rung has one. Ending publishes the last
// segments and final playlists, records the stream's end in D1 and frees its
// encoder slot.
import { growAsset } from "../cdn/upload/storage-quota";
import { configOf } from "../lib/config/config";
import { mediaDb } from "../lib/media-db/media-db";
import { logger } from "../lib/observability/logger";
import { deletePrefix } from "../lib/r2/delete-prefix";
import { closeQuietly } from "../realtime/close-code";
import type { LiveView } from "../transcoder/live-transcoder-client";
import { LIVE_CLOSE } from "./live-close-codes";
import { entriesSeconds } from "./live-playlists";
import { closeLivePlaylists, publishLive } from "./live-publisher";
import { announceLiveStarted } from "./live-started";
import type { sqlEntryStore } from "./live-storage";
import { type LiveIdentity, markEnded, markLive, recordedLadder, streamExists } from "./live-store";
import type { PublisherIngest } from "./publisher-ingest";
import { publishedCount, type StreamHost } from "./stream-host";
import { releaseLiveSlot } from "./take-live-slot";
import type { ViewerRoom } from "./viewer-room";

/** How long one beat waits for the transcoder to finish a segment. */
const POLL_WAIT_MS = 1_000;

type EntryStore = ReturnType<typeof sqlEntryStore>;

export class StreamBeat {
	private readonly host: StreamHost;
	private readonly ingest: PublisherIngest;
	private readonly viewers: ViewerRoom;
	private readonly entries: EntryStore;

	constructor(host: StreamHost, parts: { ingest: PublisherIngest; viewers: ViewerRoom; entries: EntryStore }) {
		this.host = host;
		this.ingest = parts.ingest;
		this.viewers = parts.viewers;
		this.entries = parts.entries;
	}

	/** One beat; resolves with when the next one is due (null: the stream needs no more). */
	async run(): Promise<number | null> {
		const { env, who, state } = this.host;
		if (!who || state.status === "ended") return null;
		if (!(await streamExists(mediaDb(env), who.streamId))) {
			await this.deleted(who);
			return null;
		}
		const graceMs = configOf(env).LIVE_GRACE_SECONDS * 1000;
		if (!state.ending && Date.now() - state.lastByteAt > graceMs) {
			const connected = this.host.publishers();
			state.ending = connected.length > 0 ? "stalled" : "publisher_left";
			for (const ws of connected) closeQuietly(ws, LIVE_CLOSE.stalled, `nothing received for ${graceMs / 1000} s: the stream ended`);
			await this.host.save();
		}
		if (state.ending) {
			await this.end(who);
			return null;
		}

		const generation = state.publish.generation;
		const view = await this.host
			.encoder()
			.status({ waitMs: POLL_WAIT_MS, after: publishedCount(state.publish) })
			.catch(() => null);
		// While we waited, the encoder may have been declared lost (a new generation) or the stream told to end.
		if (generation === state.publish.generation && !state.ending) {
			if (view === null && state.generationStarted) await this.ingest.encoderLost();
			else if (view?.state === "failed" || view?.state === "ended") {
				state.ending = view.error?.code ?? "encoder_ended";
				await this.host.save();
			} else if (view?.outputs) await this.publish(who, view);
		}
		return Date.now() + (view?.state === "live" ? 0 : 250);
	}

	/** Copies what the transcoder finished; the first time every rung has a segment, the stream is live. */
	private async publish(who: LiveIdentity, view: LiveView) {
		if (!view.outputs) return;
		const { env, state } = this.host;
		const published = await publishLive(
			env,
			this.host.encoder(),
			who.prefix,
			state.publish,
			this.entries,
			view.outputs,
			false,
			this.admit(who),
		);
		if (!published) {
			// Refused: the owner's quota is full, or the recording was deleted a moment ago (its row is gone).
			if (!(await streamExists(mediaDb(env), who.streamId))) return this.deleted(who);
			return this.quotaReached();
		}
		if (state.status === "idle") {
			state.startedAt = await markLive(env, who, published.listed, published.ladder);
			state.status = "live";
			this.viewers.broadcast({ type: "STATUS", data: { status: "live" } });
			await announceLiveStarted(env, who).catch((err: Error) => logger.error("live_started_not_announced", { error: err.message }));
		}
		await this.host.save();
	}

	/** Ends the stream: the transcoder finishes the recording, R2 gets its last segments and final playlists, D1 its status. */
	private async end(who: LiveIdentity) {
		await this.ingest.drained();
		const { env, state } = this.host;
		const client = this.host.encoder();
		const view = await client.end().catch(() => null);
		let recording = null;
		const final = view?.outputs
			? await publishLive(env, client, who.prefix, state.publish, this.entries, view.outputs, true, this.admit(who))
			: null;
		if (final) {
			recording = { files: final.listed, ladder: final.ladder, durationMs: this.recordedMs() };
		} else if (this.entries.entries(0).length > 0) {
			// The encoder lost the last generation: what was published before stands, closed with ENDLIST.
			const ladder = await recordedLadder(mediaDb(env), who);
			recording = { files: await closeLivePlaylists(env, who.prefix, this.entries), ladder, durationMs: this.recordedMs() };
		}
		const reason = state.ending ?? "ended";
		await markEnded(env, who, { reason, recording });
		state.status = "ended";
		await this.host.save();
		await releaseLiveSlot(env, who.streamId);
		await client.remove().catch(() => undefined);
		for (const ws of this.host.publishers()) closeQuietly(ws, LIVE_CLOSE.ended, "the stream has ended");
		this.viewers.broadcast({ type: "STATUS", data: { status: "ended", reason } });
	}

	/** The recording's new bytes count against its owner's storage quota before they are stored. */
	private admit(who: LiveIdentity) {
		return (bytes: number) => growAsset(this.host.env, { id: who.assetId, ownerId: who.ownerId }, bytes);
	}

	/** The owner's quota is full: the publisher is told, and the next beat ends the stream over what was stored. */
	private async quotaReached() {
		this.host.state.ending ??= "storage_quota_exceeded";
		await this.host.save();
		for (const ws of this.host.publishers()) closeQuietly(ws, LIVE_CLOSE.storageQuota, "your storage quota is full: the stream ended");
	}

	private recordedMs(): number {
		return Math.round(entriesSeconds(this.entries.entries(0)) * 1000);
	}

	/** The recording was deleted while live: stop, and sweep what was published after the delete swept it. */
	private async deleted(who: LiveIdentity) {
		const { env, state } = this.host;
		state.status = "ended";
		state.ending ??= "deleted";
		await this.host.save();
		for (const ws of this.host.publishers()) closeQuietly(ws, LIVE_CLOSE.streamEnded, "the stream was deleted");
		await this.host
			.encoder()
			.remove()
			.catch(() => undefined);
		await deletePrefix(env.MEDIA, who.prefix);
		await releaseLiveSlot(env, who.streamId);
		this.viewers.broadcast({ type: "STATUS", data: { status: "ended", reason: "deleted" } });
	}
}
