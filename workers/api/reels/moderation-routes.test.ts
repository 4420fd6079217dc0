import { describe, expect, it } from "vitest";
import { api, type Session } from "../../test-support/api";
import { json, person, postReel, type Reel, sawWrite, seenAll, videoOf } from "../../test-support/reels";
import { backdateAccount, setRole } from "../../test-support/roles";

describe("moderation", () => {
	const report = (who: Session, reelId: string) =>
		api(`/api/reels/${reelId}/report`, { method: "POST", token: who.accessToken, json: { reason: "spam" } });
	/** People whose accounts are a month old: their reports count. */
	const established = async (n: number) => {
		const people = await Promise.all(Array.from({ length: n }, () => person()));
		for (const p of people) await backdateAccount(p.user.id);
		return people;
	};

	it("hides a reel after enough weighty reports; admins list and restore it", async () => {
		const author = await person();
		const admin = await person();
		const asAdmin = sawWrite(await setRole(admin.user.id, "admin"));
		const reel = await postReel(author, "borderline");
		const reporters = (await established(3)) as unknown as [Session, Session, Session];
		expect((await report(reporters[0], reel.id)).status).toBe(202);
		expect((await report(reporters[0], reel.id)).status).toBe(202); // a second report by the same person counts once
		expect((await report(reporters[1], reel.id)).status).toBe(202);
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(200);
		expect((await report(reporters[2], reel.id)).status).toBe(202);
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(404);
		expect((await report(reporters[2], reel.id)).status).toBe(404);
		expect(await json(await api(`/api/reels/${reel.id}`, { token: author.accessToken, headers: await seenAll() }))).toMatchObject({
			hidden: true,
		});

		expect((await api("/api/admin/reels/reported", { token: author.accessToken })).status).toBe(403);
		expect((await api("/api/admin/reels/reported?cursor=forged", { token: admin.accessToken, headers: asAdmin })).status).toBe(400);
		expect((await api("/api/admin/reels/not-a-uuid/restore", { method: "POST", token: admin.accessToken, headers: asAdmin })).status).toBe(
			400,
		);
		expect(
			(await api(`/api/admin/reels/${crypto.randomUUID()}/restore`, { method: "POST", token: admin.accessToken, headers: asAdmin })).status,
		).toBe(404);
		const listed = await json<{ items: (Reel & { reportCount: number })[] }>(
			await api("/api/admin/reels/reported?limit=100", { token: admin.accessToken, headers: await seenAll() }),
		);
		expect(listed.items.find((r) => r.id === reel.id)).toMatchObject({ hidden: true, reportCount: 3 });
		const restored = await api(`/api/admin/reels/${reel.id}/restore`, { method: "POST", token: admin.accessToken, headers: asAdmin });
		expect(await json(restored)).toMatchObject({ hidden: false });
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(200);
		expect(
			(await api(`/api/reels/${reel.id}/report`, { method: "POST", token: author.accessToken, json: { reason: "nope" } })).status,
		).toBe(400);

		// Restoring keeps the dismissed reports: the same accounts cannot hide it again.
		for (const r of reporters) expect((await report(r, reel.id)).status).toBe(202);
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(200);
	});

	it("gives throwaway accounts' reports no weight, and discredits reporters whose reports keep being overturned", async () => {
		const author = await person();
		const reel = await postReel(author, "a fine reel");
		const throwaways = await Promise.all([person(), person(), person(), person()]);
		for (const t of throwaways) expect((await report(t, reel.id)).status).toBe(202);
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(200);

		// Three established accounts whose reports were overturned twice already (REPORTER_MAX_DISMISSED = 2 here).
		const vars = { REPORTER_MAX_DISMISSED: "2" };
		const admin = await person();
		const asAdmin = sawWrite(await setRole(admin.user.id, "admin"));
		const brigade = (await established(3)) as unknown as [Session, Session, Session];
		for (let round = 0; round < 2; round++) {
			const bait = await postReel(author, `bait ${round}`);
			for (const b of brigade)
				expect(
					(await api(`/api/reels/${bait.id}/report`, { method: "POST", token: b.accessToken, json: { reason: "spam" } }, vars)).status,
				).toBe(202);
			expect((await api(`/api/reels/${bait.id}`, { headers: await seenAll() })).status).toBe(404);
			expect(
				(await api(`/api/admin/reels/${bait.id}/restore`, { method: "POST", token: admin.accessToken, headers: asAdmin })).status,
			).toBe(200);
		}
		for (const b of brigade)
			expect(
				(await api(`/api/reels/${reel.id}/report`, { method: "POST", token: b.accessToken, json: { reason: "spam" } }, vars)).status,
			).toBe(202);
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(200);

		// An admin's report hides at once.
		expect((await report(admin, reel.id)).status).toBe(202);
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(404);
	});

	it("keeps a moderated video down: deleted while hidden, or removed by an admin, it cannot be posted again", async () => {
		const author = await person();
		const video = await videoOf(author);
		const post = () => api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: video.id, caption: "again" } });
		const first = await json<Reel>(await post());
		for (const r of await established(3)) expect((await report(r, first.id)).status).toBe(202);
		expect((await api(`/api/reels/${first.id}`, { headers: await seenAll() })).status).toBe(404);
		expect((await api(`/api/reels/${first.id}`, { method: "DELETE", token: author.accessToken, headers: await seenAll() })).status).toBe(
			204,
		);
		const again = await post();
		expect(again.status).toBe(403);
		expect(await again.json()).toMatchObject({ code: "video_moderated" });

		// An author's own delete of a visible reel takes nothing down: the video can be posted again.
		const other = await videoOf(author);
		const fine = await json<Reel>(await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: other.id } }));
		expect((await api(`/api/reels/${fine.id}`, { method: "DELETE", token: author.accessToken })).status).toBe(204);
		expect((await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: other.id } })).status).toBe(201);

		// An admin's delete takes the video down whatever its state.
		const admin = await person();
		const asAdmin = sawWrite(await setRole(admin.user.id, "admin"));
		const third = await videoOf(author);
		const posted = await json<Reel>(await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: third.id } }));
		expect((await api(`/api/reels/${posted.id}`, { method: "DELETE", token: admin.accessToken, headers: asAdmin })).status).toBe(204);
		expect((await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: third.id } })).status).toBe(403);
	});
});
