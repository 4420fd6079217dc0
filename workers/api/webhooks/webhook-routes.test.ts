// Webhooks: endpoints managed by their account (or, platform-wide, by admins), events that leave
// in the outbox with the change that caused them, signed deliveries that verify with the
// Standard Webhooks library, every attempt recorded, replays, rotation, and production's refusal
// of private and plain-HTTP endpoints. A real receiver (scripts/webhook-receiver.ts) takes them.
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { leaseOwnerOf } from "../../lib/media-db/asset-store";
import { withDatabase } from "../../lib/postgres/routed-database";
import { announceLiveStarted } from "../../live/live-started";
import { findLiveStream, identityOf, markEnded } from "../../live/live-store";
import { runTranscodeJob } from "../../queue/transcode-consumer";
import { api, GOOD_PASSWORD, registerUser, type Session, verifiedUser } from "../../test-support/api";
import { seedAsset } from "../../test-support/assets";
import { sampleVideo } from "../../test-support/media";
import { json, playableVideoOf } from "../../test-support/reels";
import { setRole } from "../../test-support/roles";
import { deliverOnce } from "../../webhooks/deliver-webhooks";
import { refusedAtDelivery, refusedUrl } from "../../webhooks/endpoint-policy";
import { sweepWebhookDeliveries } from "../../webhooks/webhook-events";

interface Endpoint {
	id: string;
	url: string;
	events: string[];
	secret: string;
	enabled: boolean;
	platform: boolean;
}
interface Received {
	headers: Record<string, string>;
	body: string;
	status: number;
}

const hook = (name: string) => `${env.WEBHOOK_RECEIVER_URL}/hooks/${name}`;
const received = async (name: string) => (await (await fetch(`${env.WEBHOOK_RECEIVER_URL}/received/${name}`)).json()) as Received[];
const unique = (tag: string) => `${tag}-${crypto.randomUUID().slice(0, 8)}`;

async function register(owner: Session, body: Record<string, unknown>): Promise<Endpoint> {
	const res = await api("/api/webhooks", { method: "POST", token: owner.accessToken, json: body });
	expect(res.status, await res.clone().text()).toBe(201);
	return json<Endpoint>(res);
}

async function postReel(owner: Session) {
	const video = await playableVideoOf(owner);
	const res = await api("/api/reels", { method: "POST", token: owner.accessToken, json: { video_id: video.id, caption: "for the hooks" } });
	expect(res.status).toBe(201);
	return json<{ id: string }>(res);
}

/** Asks `probe` until `ok` says yes (deliveries leave through a queue, a moment after the change). */
async function poll<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
	const deadline = Date.now() + 20_000;
	for (;;) {
		const v = await probe();
		if (ok(v)) return v;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

/** What the receiver got at `name`, once `count` requests are there. */
const waitFor = (name: string, count: number) =>
	poll(
		() => received(name),
		(got) => got.length >= count,
		`${count} webhook(s) at ${name}`,
	);

describe("webhook endpoints", () => {
	it("registers an endpoint with its secret shown once, lists it without, and changes, pauses and deletes it", async () => {
		const owner = await registerUser();
		const made = await register(owner, { url: hook(unique("crud")), events: ["reel.created"], description: "CMS" });
		expect(made.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
		expect(made).toMatchObject({ events: ["reel.created"], enabled: true, platform: false });
		const list = await json<{ items: Record<string, unknown>[] }>(await api("/api/webhooks", { token: owner.accessToken }));
		expect(list.items).toHaveLength(1);
		expect(list.items[0]).not.toHaveProperty("secret");
		const patched = await api(`/api/webhooks/${made.id}`, {
			method: "PATCH",
			token: owner.accessToken,
			json: { events: ["video.ready", "reel.deleted"], enabled: false },
		});
		expect(await json(patched)).toMatchObject({ events: ["video.ready", "reel.deleted"], enabled: false });
		// Someone else's endpoint is not there for them.
		const stranger = await registerUser();
		expect((await api(`/api/webhooks/${made.id}`, { token: stranger.accessToken })).status).toBe(404);
		expect((await api(`/api/webhooks/${made.id}`, { method: "DELETE", token: stranger.accessToken })).status).toBe(404);
		expect((await api(`/api/webhooks/${made.id}`, { method: "DELETE", token: owner.accessToken })).status).toBe(204);
		expect((await api(`/api/webhooks/${made.id}`, { token: owner.accessToken })).status).toBe(404);
	});

	it("refuses bad input, unknown events, more than 10 endpoints, and platform-wide ones to anyone but an admin", async () => {
		const owner = await registerUser();
		for (const body of [
			{ url: hook("x"), events: [] },
			{ url: hook("x"), events: ["video.exploded"] },
			{ url: hook("x"), events: ["video.ready", "video.ready"] },
			{ url: "not a url", events: ["video.ready"] },
			{ url: "ftp://example.com/x", events: ["video.ready"] },
			{ url: hook("x"), events: ["video.ready"], extra: 1 },
		]) {
			const res = await api("/api/webhooks", { method: "POST", token: owner.accessToken, json: body });
			expect(res.status, JSON.stringify(body)).toBe(400);
		}
		const platform = await api("/api/webhooks", {
			method: "POST",
			token: owner.accessToken,
			json: { url: hook("p"), events: ["video.ready"], platform: true },
		});
		expect(platform.status).toBe(403);
		for (let i = 0; i < 10; i++) await register(owner, { url: hook(`cap-${i}`), events: ["video.ready"] });
		const eleventh = await api("/api/webhooks", {
			method: "POST",
			token: owner.accessToken,
			json: { url: hook("cap-10"), events: ["video.ready"] },
		});
		expect(eleventh.status).toBe(409);
		expect((await json<{ code: string }>(eleventh)).code).toBe("too_many_webhooks");
	});

	it("in production, refuses plain HTTP and private, loopback, link-local and metadata addresses, when saved and at delivery", async () => {
		const owner = await registerUser();
		const production = { WEBHOOK_ALLOW_PRIVATE_URLS: "false" } as Partial<Env>;
		for (const url of [
			"http://example.com/hook",
			"https://127.0.0.1/hook",
			"https://localhost/hook",
			"https://10.1.2.3/hook",
			"https://192.168.0.10/hook",
			"https://169.254.169.254/latest/meta-data",
			"https://[::1]/hook",
			"https://[fd00::1]/hook",
			"https://metadata.google.internal/hook",
			"https://user:pass@example.com/hook",
			// IPv4 inside IPv6, which the URL parser writes in hex words.
			"https://[::ffff:127.0.0.1]/hook",
			"https://[::ffff:a9fe:a9fe]/latest/meta-data",
			"https://[64:ff9b::a9fe:a9fe]/hook",
			"https://[2002:7f00:1::1]/hook",
			"https://[fec0::1]/hook",
			"https://localhost./hook",
			"https://example.com:8443/hook",
		]) {
			const res = await api(
				"/api/webhooks",
				{ method: "POST", token: owner.accessToken, json: { url, events: ["video.ready"] } },
				production,
			);
			expect(res.status, url).toBe(400);
			expect((await json<{ code: string }>(res)).code, url).toBe("webhook_url_refused");
		}
		expect(refusedUrl("https://hooks.example.com/x", false)).toBeUndefined();
		// A public name that points inside is refused at delivery, after it is resolved.
		expect(await refusedAtDelivery("https://hooks.example.com/x", false, async () => ["93.184.216.34", "10.0.0.7"])).toMatch(/private/);
		expect(await refusedAtDelivery("https://hooks.example.com/x", false, async () => ["93.184.216.34"])).toBeUndefined();
		// The local stack allows a receiver on loopback.
		expect(refusedUrl(hook("x"), true)).toBeUndefined();
	});

	it("is managed by an API key with webhooks:write only", async () => {
		const owner = await registerUser();
		const keyFor = async (scopes: string[]) =>
			(
				await json<{ key: string }>(
					await api("/api/keys", { method: "POST", token: owner.accessToken, json: { password: GOOD_PASSWORD, name: "k", scopes } }),
				)
			).key;
		const writer = await keyFor(["webhooks:write"]);
		const reader = await keyFor(["videos:read"]);
		expect(
			(await api("/api/webhooks", { method: "POST", token: writer, json: { url: hook(unique("key")), events: ["video.ready"] } })).status,
		).toBe(201);
		const refused = await api("/api/webhooks", { token: reader });
		expect(refused.status).toBe(403);
		expect((await json<{ code: string }>(refused)).code).toBe("insufficient_scope");
	});
});

describe("webhook deliveries", () => {
	it("sends reel.created, from the outbox, to every subscribed endpoint of the account and to platform-wide ones, signed so the Standard Webhooks library verifies it", async () => {
		const owner = await registerUser();
		const admin = await registerUser();
		// Tokens already out act with a new role at once (the user's gate).
		await setRole(admin.user.id, "admin");
		const [a, b, other, platform] = [unique("a"), unique("b"), unique("other"), unique("platform")];
		const first = await register(owner, { url: hook(a), events: ["reel.created", "video.ready"] });
		const second = await register(owner, { url: hook(b), events: ["reel.created"] });
		await register(owner, { url: hook(other), events: ["video.failed"] });
		const wide = await register(admin, { url: hook(platform), events: ["reel.created"], platform: true });
		expect(wide.platform).toBe(true);
		const reel = await postReel(owner);
		for (const [name, endpoint] of [
			[a, first],
			[b, second],
		] as const) {
			const [got] = await waitFor(name, 1);
			if (!got) throw new Error("no delivery");
			const event = new Webhook(endpoint.secret).verify(got.body, got.headers) as {
				id: string;
				type: string;
				data: { id: string; caption: string };
			};
			expect(event).toMatchObject({ id: got.headers["webhook-id"], type: "reel.created", data: { id: reel.id, caption: "for the hooks" } });
			// A wrong secret does not verify.
			expect(() => new Webhook(`whsec_${btoa("x".repeat(24))}`).verify(got.body, got.headers)).toThrow();
		}
		await waitFor(platform, 1);
		// Platform-wide endpoints hear every account: this one goes, so later tests' events do not reach it.
		expect((await api(`/api/webhooks/${wide.id}`, { method: "DELETE", token: admin.accessToken })).status).toBe(204);
		expect(await received(other)).toEqual([]);
		// Every attempt is on record.
		const log = await json<{ items: { type: string; status: string; attempts: number; attemptLog: { status: number }[] }[] }>(
			await api(`/api/webhooks/${first.id}/deliveries`, { token: owner.accessToken }),
		);
		expect(log.items[0]).toMatchObject({ type: "reel.created" });
	});

	it("retries a failing endpoint with the same webhook-id, records each attempt, and replays a delivery on request", async () => {
		const owner = await registerUser();
		const name = unique("fail-1");
		const endpoint = await register(owner, { url: hook(name), events: ["reel.created"] });
		await postReel(owner);
		const [firstTry] = await waitFor(name, 1);
		expect(firstTry?.status).toBe(500);
		const deliveries = async () =>
			(
				await json<{ items: { id: string; eventId: string; status: string; attempts: number; attemptLog: { status: number | null }[] }[] }>(
					await api(`/api/webhooks/${endpoint.id}/deliveries`, { token: owner.accessToken }),
				)
			).items;
		const [delivery] = await poll(deliveries, (d) => (d[0]?.attempts ?? 0) >= 1, "the first attempt recorded");
		expect(delivery).toMatchObject({ status: "pending", attempts: 1, attemptLog: [{ status: 500 }] });
		// A replay while it is still on its way would send it twice as often: refused.
		const early = await api(`/api/webhooks/${endpoint.id}/deliveries/${delivery?.id}/retry`, { method: "POST", token: owner.accessToken });
		expect(early.status).toBe(409);
		expect((await json<{ code: string }>(early)).code).toBe("webhook_delivery_pending");
		// The retry, sent here rather than waited for (the queue brings it back 5 s later and finds it done; on a
		// slow machine the queue's may come first, and this one finds it done): the same event, now taken.
		expect(["succeeded", "skipped"]).toContain((await deliverOnce(env, delivery?.id ?? "")).outcome);
		await poll(deliveries, (d) => d[0]?.status === "succeeded", "the delivery to succeed");
		const tries = await received(name);
		// (The queue's own retry, 5 s on, finds it delivered and sends nothing; on a slow machine it may race this one: two 200s.)
		expect(tries.slice(0, 2).map((t) => t.status)).toEqual([500, 200]);
		expect(tries[1]?.headers["webhook-id"]).toBe(tries[0]?.headers["webhook-id"]);
		expect(tries[1]?.body).toBe(tries[0]?.body);
		// A replay on request: the same webhook-id and body once more.
		const replay = await api(`/api/webhooks/${endpoint.id}/deliveries/${delivery?.id}/retry`, { method: "POST", token: owner.accessToken });
		expect(replay.status).toBe(202);
		const all = await waitFor(name, tries.length + 1);
		expect(all.at(-1)?.headers["webhook-id"]).toBe(tries[0]?.headers["webhook-id"]);
		// Not for anyone else's endpoint.
		const stranger = await registerUser();
		expect(
			(await api(`/api/webhooks/${endpoint.id}/deliveries/${delivery?.id}/retry`, { method: "POST", token: stranger.accessToken })).status,
		).toBe(404);
	});

	it("sends video.ready to two endpoints when a real transcode ends, each signed with its own secret", { timeout: 60_000 }, async () => {
		const owner = await registerUser();
		const [one, two] = [unique("ready-1"), unique("ready-2")];
		const first = await register(owner, { url: hook(one), events: ["video.ready"] });
		const second = await register(owner, { url: hook(two), events: ["video.ready", "video.failed"] });
		const { id, key } = await seedAsset({ bytes: sampleVideo(), kind: "video", status: "queued", ownerId: owner.user.id });
		await runTranscodeJob(env, { kind: "transcode", assetId: id, sourceKey: key }, leaseOwnerOf(id, 1, "webhooks"));
		for (const [name, endpoint] of [
			[one, first],
			[two, second],
		] as const) {
			const [got] = await waitFor(name, 1);
			if (!got) throw new Error("no delivery");
			const event = new Webhook(endpoint.secret).verify(got.body, got.headers) as {
				type: string;
				data: { id: string; status: string; hls: string };
			};
			expect(event).toMatchObject({ type: "video.ready", data: { id, status: "ready" } });
			expect(event.data.hls).toMatch(/^\/cdn\/s\/.+master\.m3u8$/);
		}
		// A duplicate of the job (Queues deliver at least once) tells nobody twice.
		await runTranscodeJob(env, { kind: "transcode", assetId: id, sourceKey: key }, leaseOwnerOf(id, 2, "webhooks"));
		await new Promise((r) => setTimeout(r, 300));
		expect(await received(one)).toHaveLength(1);
	});

	it("sends reel.deleted with the reel as it was", async () => {
		const owner = await registerUser();
		const name = unique("deleted");
		await register(owner, { url: hook(name), events: ["reel.deleted"] });
		const reel = await postReel(owner);
		expect((await api(`/api/reels/${reel.id}`, { method: "DELETE", token: owner.accessToken })).status).toBe(204);
		const [got] = await waitFor(name, 1);
		expect(JSON.parse(got?.body ?? "{}")).toMatchObject({ type: "reel.deleted", data: { id: reel.id, caption: "for the hooks" } });
	});

	it("sends video.created when an upload's bytes are stored and video.deleted when it is deleted", async () => {
		const owner = await registerUser();
		const name = unique("video-life");
		await register(owner, { url: hook(name), events: ["video.created", "video.deleted"] });
		const form = new FormData();
		form.set("file", new File([sampleVideo()], "clip.mp4", { type: "video/mp4" }));
		const upload = await api("/api/videos/upload", { method: "POST", token: owner.accessToken, body: form });
		expect(upload.status).toBe(202);
		const { id } = await json<{ id: string }>(upload);
		const [created] = await waitFor(name, 1);
		expect(JSON.parse(created?.body ?? "{}")).toMatchObject({ type: "video.created", data: { id, status: "queued" } });
		expect((await api(`/api/assets/${id}`, { method: "DELETE", token: owner.accessToken })).status).toBe(200);
		const both = await waitFor(name, 2);
		expect(JSON.parse(both[1]?.body ?? "{}")).toMatchObject({ type: "video.deleted", data: { id, status: "deleted" } });
	});

	it("sends reel.hidden when a report hides a reel", async () => {
		const owner = await registerUser();
		const name = unique("hidden");
		await register(owner, { url: hook(name), events: ["reel.hidden"] });
		const reel = await postReel(owner);
		// An admin's report hides at once.
		const admin = await registerUser();
		await setRole(admin.user.id, "admin");
		const report = await api(`/api/reels/${reel.id}/report`, { method: "POST", token: admin.accessToken, json: { reason: "spam" } });
		expect(report.status).toBeLessThan(300);
		const [got] = await waitFor(name, 1);
		expect(JSON.parse(got?.body ?? "{}")).toMatchObject({ type: "reel.hidden", data: { id: reel.id, hidden: true } });
	});

	it("sends live.started and live.ended for a stream, in that order", { timeout: 30_000 }, async () => {
		const owner = await verifiedUser();
		const name = unique("live");
		await register(owner, { url: hook(name), events: ["live.started", "live.ended"] });
		const made = await api("/api/live", { method: "POST", token: owner.accessToken, json: { title: "hooks live" } });
		expect(made.status).toBe(201);
		const row = await findLiveStream(env, (await json<{ id: string }>(made)).id);
		if (!row) throw new Error("no stream row");
		const who = identityOf(row);
		await announceLiveStarted(env, who);
		await markEnded(env, who, { reason: "publisher_left", recording: null });
		const both = await waitFor(name, 2);
		const events = both.map((r) => JSON.parse(r.body) as { type: string; data: { id: string; title?: string; status?: string } });
		expect(events.map((e) => e.type)).toEqual(["live.started", "live.ended"]);
		expect(events[0]?.data).toMatchObject({ id: who.streamId, title: "hooks live" });
		expect(events[1]?.data).toMatchObject({ id: who.streamId, status: "ended" });
	});

	it("keeps one subject's events in order: a later one waits while an earlier one is still being retried", async () => {
		const owner = await registerUser();
		const name = unique("fail-1-order");
		const endpoint = await register(owner, { url: hook(name), events: ["reel.created", "reel.deleted"] });
		// Two events about one reel, recorded as fan-out records them, without queue messages: each attempt is made here, in turn.
		const subject = crypto.randomUUID();
		const [first, second] = [crypto.randomUUID(), crypto.randomUUID()];
		await withDatabase(env, (db) =>
			db.write((q) =>
				q.execute(sql`
					INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, subject_id, payload, status, created_at)
					VALUES (${first}::uuid, ${endpoint.id}::uuid, gen_random_uuid(), 'reel.created', ${subject}::uuid, '{"type":"reel.created"}', 'pending', now() - interval '1 second'),
					       (${second}::uuid, ${endpoint.id}::uuid, gen_random_uuid(), 'reel.deleted', ${subject}::uuid, '{"type":"reel.deleted"}', 'pending', now())`),
			),
		);
		expect(await deliverOnce(env, second)).toMatchObject({ outcome: "waiting" });
		expect(await deliverOnce(env, first)).toMatchObject({ outcome: "retry", attempts: 1 }); // the receiver is down at first
		expect(await deliverOnce(env, second)).toMatchObject({ outcome: "waiting" });
		expect(await deliverOnce(env, first)).toMatchObject({ outcome: "succeeded", attempts: 2 });
		// Its turn now (this receiver refuses each event's first try).
		expect(await deliverOnce(env, second)).toMatchObject({ outcome: "retry", attempts: 1 });
		expect(await deliverOnce(env, second)).toMatchObject({ outcome: "succeeded", attempts: 2 });
		const got = (await received(name)).map((r) => `${(JSON.parse(r.body) as { type: string }).type} ${r.status}`);
		expect(got).toEqual(["reel.created 500", "reel.created 200", "reel.deleted 500", "reel.deleted 200"]);
	});

	it("sends again a delivery whose queue message was lost, and ends one whose endpoint is off instead of leaving it pending", async () => {
		const owner = await registerUser();
		const name = unique("lost");
		const endpoint = await register(owner, { url: hook(name), events: ["reel.created"] });
		const [lost, off] = [crypto.randomUUID(), crypto.randomUUID()];
		await withDatabase(env, (db) =>
			db.write((q) =>
				q.execute(sql`
					INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, subject_id, payload, status, next_attempt_at)
					VALUES (${lost}::uuid, ${endpoint.id}::uuid, gen_random_uuid(), 'reel.created', gen_random_uuid(), '{"type":"reel.created","lost":true}', 'pending', now() - interval '1 hour')`),
			),
		);
		const swept = await sweepWebhookDeliveries(env);
		expect(swept.requeued).toBeGreaterThanOrEqual(1);
		const [got] = await waitFor(name, 1);
		expect(JSON.parse(got?.body ?? "{}")).toMatchObject({ lost: true });

		await api(`/api/webhooks/${endpoint.id}`, { method: "PATCH", token: owner.accessToken, json: { enabled: false } });
		await withDatabase(env, (db) =>
			db.write((q) =>
				q.execute(sql`
					INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, subject_id, payload, status)
					VALUES (${off}::uuid, ${endpoint.id}::uuid, gen_random_uuid(), 'reel.created', gen_random_uuid(), '{}', 'pending')`),
			),
		);
		expect(await deliverOnce(env, off)).toMatchObject({ outcome: "skipped" });
		const items = await json<{ items: { id: string; status: string; attemptLog: { error: string | null }[] }[] }>(
			await api(`/api/webhooks/${endpoint.id}/deliveries`, { token: owner.accessToken }),
		);
		expect(items.items.find((d) => d.id === off)).toMatchObject({ status: "failed", attemptLog: [{ error: "endpoint disabled" }] });
	});

	it("signs with the old secret too for a day after a rotation", async () => {
		const owner = await registerUser();
		const name = unique("rotate");
		const before = await register(owner, { url: hook(name), events: ["reel.created"] });
		const rotated = await json<{ secret: string; previousSecretValidUntil: string }>(
			await api(`/api/webhooks/${before.id}/secret`, { method: "POST", token: owner.accessToken }),
		);
		expect(rotated.secret).not.toBe(before.secret);
		expect(Date.parse(rotated.previousSecretValidUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000);
		await postReel(owner);
		const [got] = await waitFor(name, 1);
		if (!got) throw new Error("no delivery");
		expect(got.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
		expect(new Webhook(rotated.secret).verify(got.body, got.headers)).toBeTruthy();
		expect(new Webhook(before.secret).verify(got.body, got.headers)).toBeTruthy();
	});
});
