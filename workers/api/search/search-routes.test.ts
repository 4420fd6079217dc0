import { describe, expect, it } from "vitest";
import { api } from "../../test-support/api";
import { json, person, postReel, type Reel, sawWrite } from "../../test-support/reels";

describe("search", () => {
	it("finds reels by caption words (stemmed) and hashtags, and creators by name, best first", async () => {
		const word = `zq${crypto.randomUUID().slice(0, 6)}`;
		const creator = await person(`Maestro ${word}`);
		const tagged = await postReel(creator, `late night #${word}`);
		const captioned = await postReel(creator, `${word} dancing in the rain`);
		const res = await api(`/api/search?q=${word}`, { headers: sawWrite(captioned.consistencyToken) });
		expect(res.status).toBe(200);
		const found = await json<{ reels: (Reel & { rank: number })[]; users: { id: string }[] }>(res);
		expect(found.reels.map((r) => r.id)).toEqual([tagged.id, captioned.id]); // hashtags weigh more
		expect(found.users.map((u) => u.id)).toEqual([creator.user.id]);
		const stemmed = await json<{ reels: Reel[] }>(
			await api(`/api/search?q=${word}+dance&type=reels`, { headers: sawWrite(captioned.consistencyToken) }),
		);
		expect(stemmed.reels.map((r) => r.id)).toEqual([captioned.id]);
	});

	it("finds a reel by its edited caption and no longer by the old one", async () => {
		const author = await person();
		const before = `old${crypto.randomUUID().slice(0, 8)}`;
		const after = `new${crypto.randomUUID().slice(0, 8)}`;
		const reel = await postReel(author, `first ${before}`);
		const edited = await api(`/api/reels/${reel.id}`, { method: "PATCH", token: author.accessToken, json: { caption: `then #${after}` } });
		expect(edited.status).toBe(200);
		const seen = sawWrite(edited.headers.get("x-consistency-token") ?? "");
		const found = async (q: string) =>
			(await json<{ reels: Reel[] }>(await api(`/api/search?q=${q}&type=reels`, { headers: seen }))).reels.map((r) => r.id);
		expect(await found(after)).toEqual([reel.id]);
		expect(await found(before)).toEqual([]);
	});

	it("treats SQL and tsquery syntax as plain text", async () => {
		for (const q of ["'; DROP TABLE reels; --", "a & b | !c", "(((", ":*", '"unterminated', "\\", "🙂", "-"]) {
			const res = await api(`/api/search?q=${encodeURIComponent(q)}`);
			expect(res.status, q).toBe(200);
			expect(await res.json()).toMatchObject({ reels: expect.any(Array), users: expect.any(Array) });
		}
		expect((await api("/api/search?q=")).status).toBe(400);
		expect((await api(`/api/search?q=${"x".repeat(201)}`)).status).toBe(400);
		expect((await api("/api/search?q=x&limit=51")).status).toBe(400);
	});
});
