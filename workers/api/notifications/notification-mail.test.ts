// Notification mail: what is mailed (to whom, when they were away, with a one-click way out),
// what is not (seen on a socket, read meanwhile, an unverified address, a digest instead), and the
// daily digest. Read from the real mail the consumer sent.
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../lib/ids/uuidv7";
import { withDatabase } from "../../lib/postgres/routed-database";
import { notifications } from "../../lib/postgres/schema";
import { api, registerUser, type Session, verifiedUser } from "../../test-support/api";
import { mailTo, waitForMail } from "../../test-support/mail";
import { json, person } from "../../test-support/reels";
import { openedSocket, until } from "../../test-support/sockets";
import { queueDigests } from "./digests";
import { composeNotificationMail } from "./notification-mail";

type Prefs = { channels: Record<string, string>; digest: boolean };
/** Read after the write `after` answered, when given (its consistency token: read-your-writes). */
const prefs = async (s: Session, after?: Response) =>
	json<Prefs>(
		await api("/api/users/me/notifications", {
			token: s.accessToken,
			headers: after ? { "x-consistency-token": after.headers.get("x-consistency-token") ?? "" } : {},
		}),
	);
const follow = (who: Session, target: Session) => api(`/api/users/${target.user.id}/follow`, { method: "POST", token: who.accessToken });
const pathOf = (url: string) => {
	const u = new URL(url);
	return `${u.pathname}${u.search}`;
};

describe("notification preferences", () => {
	it("default to mailing a new follower, a comment and a live stream, and change one kind at a time", async () => {
		const me = await verifiedUser("Prefs");
		const start = await prefs(me);
		expect(start.digest).toBe(false);
		expect(start.channels).toMatchObject({ NEW_FOLLOWER: "both", NEW_COMMENT: "both", LIVE_STARTED: "both", REEL_LIKED: "in_app" });
		const res = await api("/api/users/me/notifications", {
			method: "PATCH",
			token: me.accessToken,
			json: { channels: { REEL_LIKED: "email" } },
		});
		expect(res.status).toBe(200);
		expect((await json<Prefs>(res)).channels).toMatchObject({ REEL_LIKED: "email", NEW_FOLLOWER: "both" });
		for (const body of [{}, { channels: { REEL_LIKED: "pigeon" } }, { channels: { TRANSCODE_READY: "email" } }]) {
			expect(
				(await api("/api/users/me/notifications", { method: "PATCH", token: me.accessToken, json: body })).status,
				JSON.stringify(body),
			).toBe(400);
		}
	});
});

describe("notification mail", () => {
	it("mails an away person's new follower with a one-click unsubscribe that works for that kind only", { timeout: 30_000 }, async () => {
		const b = await verifiedUser("Away");
		const a = await person("Fan");
		await follow(a, b);
		const [mail] = await waitForMail(b.email, /started following you/);
		if (!mail) throw new Error("no mail");
		expect(mail.subject).toBe(`${a.user.name} started following you.`);
		const header = /^<(.+)>$/.exec(mail.headers["list-unsubscribe"] ?? "")?.[1];
		expect(mail.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
		if (!header) throw new Error("no List-Unsubscribe");
		// A forged one does nothing.
		const forged = pathOf(header).replace(/s=[^&]+/, "s=AAAAAAAAAAAAAAAAAAAAAA");
		expect((await api(forged, { method: "POST" })).status).toBe(404);
		const done = await api(pathOf(header), { method: "POST" });
		expect(done.status).toBe(204);
		expect((await prefs(b, done)).channels).toMatchObject({ NEW_FOLLOWER: "in_app", NEW_COMMENT: "both" });
	});

	it("does not mail what reached an open socket, and mails the same event once the person is away", { timeout: 30_000 }, async () => {
		const b = await verifiedUser("Online");
		const seen = await person("Seen");
		const missed = await person("Missed");
		const socket = openedSocket(await api(`/ws?token=${b.accessToken}`, { headers: { upgrade: "websocket" } }));
		await follow(seen, b);
		await until(() => socket.received.some((e) => e.type === "NEW_FOLLOWER"), "the follow on the socket");
		socket.ws.close();
		await until(() => socket.closes.length > 0, "the socket to close");
		await follow(missed, b);
		await waitForMail(b.email, new RegExp(`${missed.user.name} started following you`));
		// Both went through the same queue with the same delay: the first would have come as soon.
		expect((await mailTo(b.email)).filter((m) => m.subject.includes(seen.user.name))).toEqual([]);
	});

	it("mails nothing to an unverified address, for a notification read meanwhile, or instead of a digest", async () => {
		const unverified = await registerUser("Unproven");
		const verified = await verifiedUser("Reader");
		const a = await person("Actor");
		await withDatabase(env, async (db) => {
			const insert = async (userId: string, readAt: Date | null) => {
				const id = uuidv7();
				await db.write((q) =>
					q
						.insert(notifications)
						.values({ id, userId, type: "NEW_FOLLOWER", data: { followerId: a.user.id, followerName: a.user.name }, readAt }),
				);
				return id;
			};
			const job = (userId: string, notificationId: string) => ({ id: uuidv7(), kind: "notification" as const, userId, notificationId });
			expect(await composeNotificationMail(db, env, job(unverified.user.id, await insert(unverified.user.id, null)))).toBeNull();
			expect(await composeNotificationMail(db, env, job(verified.user.id, await insert(verified.user.id, new Date())))).toBeNull();
			const unread = await insert(verified.user.id, null);
			expect((await composeNotificationMail(db, env, job(verified.user.id, unread)))?.subject).toBe(
				`${a.user.name} started following you.`,
			);
			await api("/api/users/me/notifications", { method: "PATCH", token: verified.accessToken, json: { digest: true } });
			expect(await composeNotificationMail(db, env, job(verified.user.id, unread))).toBeNull();
		});
	});

	it("gathers the day into one digest for those who chose it, once a day", { timeout: 30_000 }, async () => {
		const b = await verifiedUser("Digester");
		expect((await api("/api/users/me/notifications", { method: "PATCH", token: b.accessToken, json: { digest: true } })).status).toBe(200);
		const fans = [await person("First"), await person("Second")];
		for (const f of fans) await follow(f, b);
		await queueDigests(env);
		const [digest] = await waitForMail(b.email, /^Your day on reels-edge/);
		for (const f of fans) expect(digest?.text).toContain(`${f.user.name} started following you.`);
		expect(digest?.headers["list-unsubscribe"]).toContain("t=all");
		// Not twice in a day: the account is not picked again.
		const picked = await withDatabase(env, (db) =>
			db.readFromPrimary((q) =>
				q.execute<{ at: Date }>(sql`SELECT last_digest_at AS at FROM notification_preferences WHERE user_id = ${b.user.id}`),
			),
		);
		expect(picked.rows[0]?.at).toBeTruthy();
		await queueDigests(env);
		const after = await withDatabase(env, (db) =>
			db.readFromPrimary((q) =>
				q.execute<{ at: Date }>(sql`SELECT last_digest_at AS at FROM notification_preferences WHERE user_id = ${b.user.id}`),
			),
		);
		expect(new Date(after.rows[0]?.at as Date).getTime()).toBe(new Date(picked.rows[0]?.at as Date).getTime());
		// No individual mail for a digest account.
		expect((await mailTo(b.email)).filter((m) => /started following you/.test(m.subject))).toEqual([]);
	});
});
