// Live streams: create, look up, list, rotate the key, and the two sockets
// (ingest for the publisher, the viewers' socket for count and chat). The
// stream's status and both sockets belong to its LiveStream Durable Object;
// D1 (workers/live/live-store.ts) is where streams are found and listed.

import { OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { remainingStorage } from "../../cdn/upload/storage-quota";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { viewerOf } from "../../lib/auth/authenticate";
import { configOf } from "../../lib/config/config";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { requireUpgrade } from "../../lib/http/require-upgrade";
import { upgradeForObject } from "../../lib/http/websocket-subprotocols";
import { uuidv7 } from "../../lib/ids/uuidv7";
import type { LiveStreamRow } from "../../lib/media-db/schema";
import { PageQuerySchema, pageSchema, timeIdCursor } from "../../lib/pagination/cursor-codec";
import { pageOf } from "../../lib/pagination/page";
import { users } from "../../lib/postgres/schema";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { clientBucket } from "../../lib/rate-limit/client-ip";
import { PUBLISHER_CONNECT_HEADER, VIEWER_CONNECT_HEADER, type ViewerConnect } from "../../live/live-chat";
import { livePlaybackPath } from "../../live/live-playlists";
import { createLiveStream, findLiveStream, identityOf, listLive, openStreamsOf, setKeyHash } from "../../live/live-store";
import { takeLiveSlot } from "../../live/take-live-slot";
import { trackLiveSocket } from "../../realtime/end-session";
import { hasBlocked } from "../follows/block-store";
import { accountById } from "../users/user-store";
import { CreateLiveSchema, IngestQuerySchema, LiveIdParamSchema, type LiveStreamJson, LiveStreamSchema } from "./live-schemas";
import { hashStreamKey, newStreamKey, presentedStreamKey } from "./stream-key";

const streamNotFound = () => new HttpProblem(404, "stream_not_found", "No live stream with that id.");

type FoundStream = NonNullable<Awaited<ReturnType<typeof findLiveStream>>>;

async function streamJson(env: Env, row: FoundStream, extra: { streamKey?: string; withViewers?: boolean } = {}): Promise<LiveStreamJson> {
	const viewers = extra.withViewers && row.status !== "ended" ? await env.LIVE_STREAM.getByName(row.id).viewerCount() : 0;
	return {
		id: row.id,
		ownerId: row.ownerId,
		title: row.title,
		status: row.status,
		...(extra.streamKey ? { streamKey: extra.streamKey } : {}),
		ingest: { websocket: `/api/live/${row.id}/ingest` },
		playback: { hls: livePlaybackPath(identityOf(row).prefix) },
		viewers,
		videoId: row.assetId,
		createdAt: row.createdAt,
		startedAt: row.startedAt,
		endedAt: row.endedAt,
		endReason: row.endReason,
	};
}

/** The body is optional (a stream needs no title); one that is sent is JSON under the usual limits. */
const optionalJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
	const empty = !c.req.header("content-type") && (c.req.header("content-length") ?? "0") === "0";
	return empty ? next() : jsonBody()(c, next);
};

const create = apiRoute({
	method: "post",
	path: "/api/live",
	tags: ["live"],
	summary: "Create a live stream (idle until its publisher sends media)",
	description:
		"Answers the stream key (shown here and on its owner's GET; only its SHA-256 is in the database) and where to send media: a WebSocket to `ingest.websocket` authenticated by the `key.<streamKey>` subprotocol or `?key=`, carrying MPEG-TS, fragmented MP4 or WebM as binary frames.",
	...signedIn(optionalJsonBody),
	request: { body: { required: false, ...jsonContent(CreateLiveSchema) } },
	responses: { 201: { description: "Created", ...jsonContent(LiveStreamSchema) }, ...problemResponses(400, 401, 409, 413, 415, 429) },
});

const getOne = apiRoute({
	method: "get",
	path: "/api/live/{id}",
	tags: ["live"],
	summary: "A live stream: status, viewers, playback (the stream key only for its owner)",
	request: { params: LiveIdParamSchema },
	responses: { 200: { description: "The stream", ...jsonContent(LiveStreamSchema) }, ...problemResponses(400, 404, 429) },
});

const list = apiRoute({
	method: "get",
	path: "/api/live",
	tags: ["live"],
	summary: "Streams live now, most recently started first",
	request: { query: PageQuerySchema },
	responses: {
		200: { description: "A page", ...jsonContent(pageSchema(LiveStreamSchema, "LiveStreamPage")) },
		...problemResponses(400, 429),
	},
});

const rotate = apiRoute({
	method: "post",
	path: "/api/live/{id}/key",
	tags: ["live"],
	summary: "Rotate the stream key (owner): the old key stops working at once",
	...signedIn(),
	request: { params: LiveIdParamSchema },
	responses: {
		200: { description: "The stream with its new key", ...jsonContent(LiveStreamSchema) },
		...problemResponses(400, 401, 403, 404, 429),
	},
});

const ingest = apiRoute({
	method: "get",
	path: "/api/live/{id}/ingest",
	tags: ["live"],
	summary: "Publish: a WebSocket of binary frames carrying one media stream",
	description:
		"The key is checked before the upgrade (401 otherwise); an ended stream answers 409. Each live stream takes one of the platform's live encoders: 503 `live_capacity_reached` when all are taken, 429 `too_many_live_streams` past one account's or one address's share (both with Retry-After). Close codes: 1000 ended, 1008 more than 200 frames in 2 s, 1009 frame over 1 MiB, 1011 encoder unreachable, 1012 encoder restarted (reconnect to go on), 1013 no encoder free or sending faster than real time, 4400 text frame, 4408 stalled past the grace period, 4409 another publisher is connected, 4410 the stream has ended, 4413 the owner's storage quota is full, 4415 not media we can encode. Reconnecting within the grace period continues the same stream.",
	middleware: [requireUpgrade] as const,
	request: { params: LiveIdParamSchema, query: IngestQuerySchema },
	responses: {
		101: { description: "Switching protocols: send the stream" },
		...problemResponses(400, 401, 404, 409, 426, 429, 503),
	},
});

const watch = apiRoute({
	method: "get",
	path: "/api/live/{id}/ws",
	tags: ["live"],
	summary: "Watch: viewer count, status and chat over a WebSocket",
	description:
		'Anyone may connect; signed-in viewers (token as for `/ws`) may chat by sending `{"type":"CHAT","text":"…"}` (1–300 characters, one a second with bursts of five). The server sends WELCOME, VIEWERS, STATUS, CHAT and ERROR (docs/events.md).',
	middleware: [requireUpgrade] as const,
	request: { params: LiveIdParamSchema },
	responses: { 101: { description: "Switching protocols: the socket is open" }, ...problemResponses(400, 401, 404, 426, 429) },
});

async function found(env: Env, id: string): Promise<FoundStream> {
	const row = await findLiveStream(env, id);
	if (!row) throw streamNotFound();
	return row;
}

const toDurableObject = (env: Env, row: LiveStreamRow, headers: Headers) =>
	env.LIVE_STREAM.getByName(row.id).fetch(new Request("https://live.internal/connect", { headers }));

export const liveRoutes = new OpenAPIHono<AppEnv>()
	.openapi(create, async (c) => {
		const owner = c.var.auth.sub;
		// Live cannot be reviewed before it reaches people, so it needs a verified address (docs/security.md);
		// read on the primary, so an address verified a moment ago counts.
		const [me] = await c.var.db.readFromPrimary((q) =>
			q.select({ verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, owner)).limit(1),
		);
		if (!me?.verifiedAt) {
			throw new HttpProblem(
				403,
				"email_unverified",
				"Verify your email to go live: follow the link we mailed you (Settings can send another).",
			);
		}
		const limit = configOf(c.env).LIVE_STREAMS_PER_USER;
		if ((await openStreamsOf(c.env, owner)) >= limit) {
			throw new HttpProblem(409, "too_many_streams", `You already have ${limit} streams that have not ended; use or end one of them.`);
		}
		// A recording counts against the storage quota as it is published: no room, no stream.
		await remainingStorage(c.env, owner);
		const { title } = c.req.header("content-type") ? c.req.valid("json") : { title: undefined };
		const streamKey = newStreamKey();
		const row = await createLiveStream(c.env, {
			id: uuidv7(),
			assetId: uuidv7(),
			ownerId: owner,
			title: title ?? null,
			keyHash: await hashStreamKey(streamKey),
		});
		await c.env.LIVE_STREAM.getByName(row.id).rememberKey(streamKey);
		return c.json(await streamJson(c.env, row, { streamKey }), 201);
	})
	.openapi(list, async (c) => {
		const { cursor, limit } = c.req.valid("query");
		const after = cursor ? timeIdCursor.decode(cursor) : null;
		const rows = await listLive(c.env, limit + 1, after ? { startedAt: after.t, id: after.i } : undefined);
		const page = pageOf(rows, limit, (r) => timeIdCursor.encode({ t: r.startedAt ?? r.createdAt, i: r.id }));
		const items = await Promise.all(page.items.map((r) => streamJson(c.env, r, { withViewers: true })));
		return c.json({ items, nextCursor: page.nextCursor }, 200);
	})
	.openapi(getOne, async (c) => {
		const row = await found(c.env, c.req.valid("param").id);
		const owner = viewerOf(c) === row.ownerId;
		const streamKey = owner ? ((await c.env.LIVE_STREAM.getByName(row.id).streamKey()) ?? undefined) : undefined;
		return c.json(await streamJson(c.env, row, { streamKey, withViewers: true }), 200);
	})
	.openapi(rotate, async (c) => {
		const row = await found(c.env, c.req.valid("param").id);
		if (row.ownerId !== c.var.auth.sub) throw new HttpProblem(403, "forbidden", "Only the stream's owner may rotate its key.");
		const streamKey = newStreamKey();
		// The hash first: the old key must stop working even if remembering the new one fails.
		await setKeyHash(c.env, row.id, await hashStreamKey(streamKey));
		await c.env.LIVE_STREAM.getByName(row.id).rememberKey(streamKey);
		return c.json(await streamJson(c.env, row, { streamKey, withViewers: true }), 200);
	})
	.openapi(ingest, async (c) => {
		const row = await found(c.env, c.req.valid("param").id);
		const key = presentedStreamKey(c.req.raw);
		if (!key || (await hashStreamKey(key)) !== row.keyHash) {
			throw new HttpProblem(401, "invalid_stream_key", "Send this stream's key as the `key.<streamKey>` subprotocol or `?key=`.");
		}
		if (row.status === "ended") throw new HttpProblem(409, "stream_ended", "This stream has ended; create a new one.");
		await takeLiveSlot(c.env, { streamId: row.id, ownerId: row.ownerId, address: clientBucket(c) });
		return toDurableObject(c.env, row, upgradeForObject(c.req.raw, PUBLISHER_CONNECT_HEADER, identityOf(row)));
	})
	.openapi(watch, async (c) => {
		const row = await found(c.env, c.req.valid("param").id);
		const auth = c.var.auth;
		const account = auth ? await accountById(c.var.db, auth.sub) : undefined;
		// Someone the streamer blocked cannot watch or chat: the stream is a 404 to them, like the streamer's reels.
		if (auth && auth.sub !== row.ownerId && (await hasBlocked(c.var.db, row.ownerId, auth.sub))) throw streamNotFound();
		const viewer: ViewerConnect = {
			userId: auth?.sub ?? null,
			sessionId: auth?.sid ?? null,
			name: account?.name ?? null,
			tokenExpiresAt: auth?.exp ?? null,
		};
		// The session's sockets must all close when it ends: its user's shard remembers this one's stream.
		if (auth) await trackLiveSocket(c.env, auth.sub, auth.sid, row.id, auth.exp);
		return toDurableObject(c.env, row, upgradeForObject(c.req.raw, VIEWER_CONNECT_HEADER, viewer));
	});
