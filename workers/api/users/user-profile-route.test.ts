import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../../lib/postgres/routed-database";
import { users } from "../../lib/postgres/schema";
import type { PublicProfile } from "./user-schemas";

async function createUser() {
	const id = crypto.randomUUID();
	return withDatabase(env, async (db) => {
		await db.write((q) => q.insert(users).values({ id, email: `${id}@Example.test`, name: "Ada", bio: "writes engines" }));
		return { id, token: (await db.consistencyToken()) ?? "" };
	});
}

describe("GET /api/users/:id", () => {
	it("returns the public profile, and never the email", async () => {
		const { id, token } = await createUser();
		const res = await exports.default.fetch(`http://x/api/users/${id}`, { headers: { "x-consistency-token": token } });
		expect(res.status).toBe(200);
		const body = (await res.json()) as PublicProfile;
		expect(body).toMatchObject({ id, name: "Ada", bio: "writes engines", role: "user" });
		expect(body).not.toHaveProperty("email");
		expect(new Date(body.createdAt).toString()).not.toBe("Invalid Date");
	});

	it("answers 404 problem+json for an unknown id", async () => {
		const res = await exports.default.fetch(`http://x/api/users/${crypto.randomUUID()}`);
		expect(res.status).toBe(404);
		expect(res.headers.get("content-type")).toBe("application/problem+json");
		expect(await res.json()).toMatchObject({ code: "user_not_found" });
	});

	it("answers 400 validation_failed for an id that is not a UUID, without touching the database", async () => {
		const res = await exports.default.fetch("http://x/api/users/1%27%20OR%201=1");
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ code: "validation_failed", errors: [{ path: "id" }] });
		expect(res.headers.get("x-db-read")).toBeNull();
	});
});

describe("a profile page's data", () => {
	it("gives counts, whether the caller follows, and the creator's reels the caller may open", async () => {
		const { api, registerUser } = await import("../../test-support/api");
		const { json, playableVideoOf, seenAll } = await import("../../test-support/reels");
		const creator = await registerUser("Creator");
		const fan = await registerUser("Fan");
		expect((await api(`/api/users/${creator.user.id}/follow`, { method: "POST", token: fan.accessToken })).status).toBe(200);
		const post = async (visibility: string) => {
			const v = await playableVideoOf(creator);
			return json<{ id: string }>(
				await api("/api/reels", { method: "POST", token: creator.accessToken, json: { video_id: v.id, visibility } }),
			);
		};
		const open = await post("public");
		const mine = await post("private");
		const profile = await json<PublicProfile>(
			await api(`/api/users/${creator.user.id}`, { token: fan.accessToken, headers: await seenAll() }),
		);
		expect(profile).toMatchObject({ followerCount: 1, followingCount: 0, following: true, avatarUrl: null });
		expect((await json<PublicProfile>(await api(`/api/users/${creator.user.id}`, { headers: await seenAll() }))).following).toBeNull();
		const grid = async (token?: string) =>
			(
				await json<{ items: { id: string }[] }>(
					await api(`/api/users/${creator.user.id}/reels`, { ...(token ? { token } : {}), headers: await seenAll() }),
				)
			).items.map((r) => r.id);
		expect(await grid(fan.accessToken)).toEqual([open.id]);
		expect(await grid(creator.accessToken)).toEqual([mine.id, open.id]);
	});
});
