// What the main reads cost, counted by the request itself (`x-request-cost`, outside production):
// database statements per server and Durable Object calls. A signed-in read must not need the
// primary (in production that is a round trip to the primary's region from anywhere) and makes
// one call to the user's gate, which checks the session and takes the quota together.
import { describe, expect, it } from "vitest";
import { api, registerUser } from "../test-support/api";
import { json, postReel } from "../test-support/reels";

interface Cost {
	primary: number;
	replica: number;
	do: number;
}

function costOf(res: Response): Cost {
	const header = res.headers.get("x-request-cost") ?? "";
	const part = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(header)?.[1] ?? Number.NaN);
	return { primary: part("primary"), replica: part("replica"), do: part("do") };
}

describe("what a read costs", () => {
	it("serves the main reads, signed in or not, from one replica statement and one Durable Object call, never the primary", async () => {
		const author = await registerUser("Budget Author");
		const reader = await registerUser("Budget Reader");
		const reel = await postReel(author, "a reel to read");
		await api(`/api/users/${author.user.id}/follow`, { method: "POST", token: reader.accessToken });
		// Once the replica has the reel (and so the reader's session, made before it), no read needs the primary.
		for (let i = 0; i < 200; i++) {
			if ((await api(`/api/reels/${reel.id}`)).headers.get("x-db-read") === "replica") break;
			await new Promise((r) => setTimeout(r, 10));
		}
		const routes = [
			"/api/reels?limit=10",
			`/api/reels/${reel.id}`,
			`/api/users/${author.user.id}`,
			`/api/users/${author.user.id}/reels`,
			"/api/feed?limit=10",
		];
		for (const token of [undefined, reader.accessToken]) {
			for (const path of routes) {
				// The first read in an isolate may also read the replica's status; a repeat shows the steady cost.
				await api(path, token ? { token } : {});
				const res = await api(path, token ? { token } : {});
				expect(res.status, path).toBe(200);
				expect({ path, signedIn: !!token, ...costOf(res) }).toEqual({ path, signedIn: !!token, primary: 0, replica: 1, do: 1 });
			}
		}
		expect((await json<{ id: string }>(await api(`/api/reels/${reel.id}`))).id).toBe(reel.id);
	});

	it("checks a signed-in request's session without the database: a logout refuses the token at once", async () => {
		const user = await registerUser();
		const before = await api("/api/users/me", { token: user.accessToken });
		expect(before.status).toBe(200);
		expect((await api("/api/auth/logout", { method: "POST", token: user.accessToken })).status).toBe(204);
		const after = await api(`/api/users/${user.user.id}`, { token: user.accessToken });
		expect(after.status).toBe(401);
		expect(costOf(after)).toMatchObject({ primary: 0, replica: 0 });
	});
});
