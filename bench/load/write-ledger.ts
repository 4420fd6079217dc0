// Every write the load makes, as the client saw it: acknowledged (a 2xx), or
// unknown (an error or no answer: it may or may not have happened). Afterwards
// `verify` reads everything back and counts writes that were acknowledged but
// are missing (lost), and writes that took effect more than once (duplicated).
import type { CallResult, Client } from "./http-client.ts";

type Toggle = "on" | "off" | "unknown";

export interface Verdict {
	acknowledgedWrites: number;
	lostWrites: number;
	duplicatedWrites: number;
	/** How long the inboxes took to hold every notification after the load (the outbox cron catching up). */
	outboxCatchUpSeconds?: number;
	details: string[];
}

export class WriteLedger {
	acknowledged = 0;
	readonly reels = new Map<string, string>(); // reel → author
	readonly assets: string[] = []; // /cdn paths
	private readonly likes = new Map<string, Toggle>(); // `${user} ${reel}`
	private readonly follows = new Map<string, Toggle>(); // `${follower} ${followee}`
	private readonly comments: { reelId: string; nonce: string; id?: string }[] = [];
	/** Notifications the inbox must hold: user → keys (see notificationKey). */
	readonly notifications = new Map<string, Set<string>>();

	private expectNotification(user: string, key: string) {
		const keys = this.notifications.get(user) ?? new Set<string>();
		this.notifications.set(user, keys);
		keys.add(key);
	}

	reel(reelId: string, author: string) {
		this.acknowledged++;
		this.reels.set(reelId, author);
	}

	asset(cdnPath: string) {
		this.acknowledged++;
		this.assets.push(cdnPath);
	}

	like(user: string, reelId: string, liked: boolean, acknowledged: boolean) {
		this.likes.set(`${user} ${reelId}`, acknowledged ? (liked ? "on" : "off") : "unknown");
		if (!acknowledged) return;
		this.acknowledged++;
		const author = this.reels.get(reelId);
		if (liked && author && author !== user) this.expectNotification(author, `REEL_LIKED ${reelId} ${user}`);
	}

	follow(follower: string, followee: string, following: boolean, acknowledged: boolean) {
		this.follows.set(`${follower} ${followee}`, acknowledged ? (following ? "on" : "off") : "unknown");
		if (!acknowledged) return;
		this.acknowledged++;
		if (following) this.expectNotification(followee, `NEW_FOLLOWER ${follower}`);
	}

	comment(user: string, reelId: string, nonce: string, id: string | undefined) {
		this.comments.push({ reelId, nonce, ...(id ? { id } : {}) });
		if (!id) return;
		this.acknowledged++;
		const author = this.reels.get(reelId);
		if (author && author !== user) this.expectNotification(author, `NEW_COMMENT ${id}`);
	}

	likeState(user: string, reelId: string): Toggle | undefined {
		return this.likes.get(`${user} ${reelId}`);
	}

	followState(follower: string, followee: string): Toggle | undefined {
		return this.follows.get(`${follower} ${followee}`);
	}

	/** Reads every write back through the public API (as `reader`, or as each user where only they may read). */
	async verify(reader: Client, tokenOf: (user: string) => string): Promise<Verdict> {
		const v: Verdict = { acknowledgedWrites: this.acknowledged, lostWrites: 0, duplicatedWrites: 0, details: [] };
		const lost = (what: string) => {
			v.lostWrites++;
			if (v.details.length < 20) v.details.push(`lost: ${what}`);
		};
		const duplicated = (what: string) => {
			v.duplicatedWrites++;
			if (v.details.length < 20) v.details.push(`duplicated: ${what}`);
		};

		// Reels and their like counts: between the likes known to stand and those plus the unknown ones.
		for (const reelId of this.reels.keys()) {
			const res = await readBack(reader, `/api/reels/${reelId}`);
			if (res.status !== 200) {
				lost(`reel ${reelId} (${res.status})`);
				continue;
			}
			const likeCount = (res.body as { likeCount: number }).likeCount;
			let sure = 0;
			let unknown = 0;
			for (const [key, state] of this.likes) {
				if (!key.endsWith(` ${reelId}`)) continue;
				if (state === "on") sure++;
				if (state === "unknown") unknown++;
			}
			if (likeCount < sure) for (let i = likeCount; i < sure; i++) lost(`a like on ${reelId} (count ${likeCount}, at least ${sure} stand)`);
			if (likeCount > sure + unknown) duplicated(`likes on ${reelId}: count ${likeCount}, at most ${sure + unknown}`);
		}

		// Comments: every acknowledged one is there; no text (each carries a unique nonce) is there twice.
		const byReel = new Map<string, typeof this.comments>();
		for (const c of this.comments) byReel.set(c.reelId, [...(byReel.get(c.reelId) ?? []), c]);
		for (const [reelId, written] of byReel) {
			const seen = new Map<string, number>();
			const ids = new Set<string>();
			for (const c of await everyItem<{ id: string; text: string }>(reader, `/api/reels/${reelId}/comments`)) {
				ids.add(c.id);
				seen.set(c.text, (seen.get(c.text) ?? 0) + 1);
			}
			for (const c of written) {
				if (c.id && !ids.has(c.id)) lost(`comment ${c.id}`);
				if ((seen.get(c.nonce) ?? 0) > 1) duplicated(`comment "${c.nonce}" ×${seen.get(c.nonce)}`);
			}
		}

		// Follows: each known final state holds.
		const followers = new Set([...this.follows.keys()].map((k) => k.split(" ")[0] as string));
		for (const follower of followers) {
			const following = new Set((await everyItem<{ id: string }>(reader, `/api/users/${follower}/following`)).map((u) => u.id));
			for (const [key, state] of this.follows) {
				const [f, followee] = key.split(" ") as [string, string];
				if (f !== follower) continue;
				if (state === "on" && !following.has(followee)) lost(`follow ${key}`);
				if (state === "off" && following.has(followee)) lost(`unfollow ${key}`);
			}
		}

		// Uploaded assets are served.
		for (const path of this.assets) {
			const res = await readBack(reader, path, { method: "HEAD" });
			if (res.status !== 200) lost(`asset ${path} (${res.status})`);
		}

		// Notifications: each one a write caused is in its user's inbox, once. Deliveries cut short
		// wait in the outbox for the every-minute cron (and a failed delivery's claim holds its row
		// for a minute), so missing ones are looked for again after the cron has run, for up to 3 minutes.
		const inboxOf = async (user: string) => {
			const inbox = new Map<string, number>();
			const asUser = { headers: { authorization: `Bearer ${tokenOf(user)}` } };
			for (const n of await everyItem<{ type: string; data: Record<string, string> }>(reader, "/api/notifications", asUser)) {
				const key = notificationKey(n.type, n.data);
				inbox.set(key, (inbox.get(key) ?? 0) + 1);
			}
			return inbox;
		};
		let pending = [...this.notifications.keys()];
		const deadline = Date.now() + 180_000;
		const started = Date.now();
		for (;;) {
			const still: string[] = [];
			for (const user of pending) {
				const inbox = await inboxOf(user);
				if ([...(this.notifications.get(user) ?? [])].some((k) => !inbox.has(k))) still.push(user);
			}
			pending = still;
			if (pending.length === 0 || Date.now() > deadline) break;
			await runMinuteCron(reader.baseUrl);
			await new Promise((r) => setTimeout(r, 5_000));
		}
		v.outboxCatchUpSeconds = Math.round((Date.now() - started) / 1000);
		for (const [user, keys] of this.notifications) {
			const inbox = await inboxOf(user);
			for (const key of keys) {
				const n = inbox.get(key) ?? 0;
				if (n === 0) lost(`notification ${key} for ${user}`);
				if (n > 1) duplicated(`notification ${key} ×${n}`);
			}
		}
		return v;
	}
}

/** Runs the every-minute cron (the outbox drain) once: `wrangler dev --test-scheduled` exposes it. */
export async function runMinuteCron(baseUrl: string): Promise<void> {
	await fetch(`${baseUrl}/__scheduled?cron=${encodeURIComponent("* * * * *")}`)
		.then((r) => r.arrayBuffer())
		.catch(() => undefined);
}

/**
 * A read-back that does not give up on a busy or briefly unavailable stack:
 * 5xx, 429 and no answer are retried (a lost write is a missing row, not a 503).
 */
async function readBack(
	reader: Client,
	path: string,
	init: { method?: string; headers?: Record<string, string> } = {},
): Promise<CallResult> {
	let res = await reader.call("verify", path, init);
	for (let attempt = 1; attempt < 30 && (res.status === 0 || res.status === 429 || res.status >= 500); attempt++) {
		await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * attempt)));
		res = await reader.call("verify", path, init);
	}
	return res;
}

/** Every item of a paged list (`{items, nextCursor}`), 100 a page; stops at a page that cannot be read. */
async function everyItem<T>(reader: Client, path: string, init: { headers?: Record<string, string> } = {}): Promise<T[]> {
	const items: T[] = [];
	let cursor: string | null = null;
	do {
		const res = await readBack(reader, `${path}?limit=100${cursor ? `&cursor=${cursor}` : ""}`, init);
		if (res.status !== 200) break;
		const page = res.body as { items: T[]; nextCursor: string | null };
		items.push(...page.items);
		cursor = page.nextCursor;
	} while (cursor);
	return items;
}

/** The identity of a notification, as the ledger expects it and as the inbox and the socket carry it. */
export function notificationKey(type: string, data: Record<string, unknown> | null | undefined): string {
	if (type === "REEL_LIKED") return `REEL_LIKED ${data?.reelId} ${data?.userId}`;
	if (type === "NEW_FOLLOWER") return `NEW_FOLLOWER ${data?.followerId}`;
	if (type === "NEW_COMMENT") return `NEW_COMMENT ${data?.commentId}`;
	return type;
}
