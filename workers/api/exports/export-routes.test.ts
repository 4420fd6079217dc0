// Taking your data with you: the archive is built by the queue's consumer, its link arrives by
// real mail, and what the archive holds is what the account made.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../../scripts/wait-for";
import { exportsPrefix } from "../../lib/r2/export-keys";
import { api, GOOD_PASSWORD, verifiedUser } from "../../test-support/api";
import { inboxOf } from "../../test-support/inbox";
import { waitForMail } from "../../test-support/mail";
import { samplePng } from "../../test-support/media";
import { json, person, postReel } from "../../test-support/reels";
import { readTar } from "./tar";

const ask = (token: string, password = GOOD_PASSWORD) => api("/api/users/me/export", { method: "POST", token, json: { password } });
const pathOf = (url: string) => {
	const u = new URL(url);
	return `${u.pathname}${u.search}`;
};

describe("data export", () => {
	it("needs the password, and builds an archive of what the account made, linked by mail and by a notification", {
		timeout: 60_000,
	}, async () => {
		const a = await verifiedUser("Ada Exporting");
		const b = await person("Ben");
		expect((await ask(a.accessToken, "not it at all 1")).status).toBe(403);

		const upload = new FormData();
		upload.append("file", new File([samplePng()], "me.png", { type: "image/png" }));
		const picture = await json<{ id: string; fileUrl: string }>(
			await api("/cdn/upload", { method: "POST", token: a.accessToken, body: upload }),
		);
		const reel = await postReel(a, "my first #reel");
		const bReel = await postReel(b, "Ben's");
		await api(`/api/reels/${bReel.id}/like`, { method: "POST", token: a.accessToken });
		await api(`/api/reels/${bReel.id}/comments`, { method: "POST", token: a.accessToken, json: { text: "lovely light" } });
		await api(`/api/users/${b.user.id}/follow`, { method: "POST", token: a.accessToken });

		const res = await ask(a.accessToken);
		expect(res.status).toBe(202);
		const asked = await json<{ id: string; status: string }>(res);
		expect(asked).toMatchObject({ status: "pending" });
		expect(asked).not.toHaveProperty("downloadUrl");
		// One a day.
		const again = await ask(a.accessToken);
		expect(again.status).toBe(429);
		expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(3600);

		const [mail] = await waitForMail(a.email, /Your reels-edge data is ready/);
		const link = mail?.links.find((l) => l.includes(`/api/exports/${asked.id}/archive`));
		if (!link) throw new Error(`no archive link in ${mail?.links}`);
		expect((await inboxOf(a.user.id, "EXPORT_READY")).map((n) => n.data)).toEqual([{ exportId: asked.id }]);

		const archive = await api(pathOf(link));
		expect(archive.status).toBe(200);
		expect(archive.headers.get("content-type")).toBe("application/x-tar");
		expect(archive.headers.get("content-disposition")).toMatch(/^attachment; filename="reels-edge-export-\d{4}-\d{2}-\d{2}\.tar"$/);
		const files = readTar(new Uint8Array(await archive.arrayBuffer()));
		const read = <T>(name: string) => JSON.parse(new TextDecoder().decode(files.get(name))) as T;
		expect([...files.keys()]).toEqual(
			expect.arrayContaining([
				"README.txt",
				"profile.json",
				"reels-0001.json",
				"comments-0001.json",
				"likes-0001.json",
				"following-0001.json",
				"media-0001.json",
			]),
		);
		expect(read<{ id: string; email: string }>("profile.json")).toMatchObject({ id: a.user.id, email: a.email });
		expect(read<{ id: string; caption: string; hashtags: string[] }[]>("reels-0001.json")).toEqual([
			expect.objectContaining({ id: reel.id, caption: "my first #reel", hashtags: ["reel"] }),
		]);
		expect(read<{ text: string; reelId: string }[]>("comments-0001.json")).toEqual([
			expect.objectContaining({ text: "lovely light", reelId: bReel.id }),
		]);
		expect(read<{ reelId: string }[]>("likes-0001.json")).toEqual([expect.objectContaining({ reelId: bReel.id })]);
		expect(read<{ id: string }[]>("following-0001.json")).toEqual([expect.objectContaining({ id: b.user.id })]);
		// Each upload is linked, and the link gives back the bytes as uploaded.
		const media = read<{ id: string; original: string }[]>("media-0001.json");
		const mine = media.find((m) => m.id === picture.id);
		if (!mine) throw new Error("the picture is not in media-0001.json");
		const original = await api(pathOf(mine.original));
		expect(original.status).toBe(200);
		expect(new Uint8Array(await original.arrayBuffer()).length).toBeGreaterThan(0);

		// Listed with the same link.
		// Listed as ready, never with its link (that goes to the mailbox only: a stolen token cannot take it).
		const listed = await json<{ items: Record<string, unknown>[] }>(await api("/api/users/me/exports", { token: a.accessToken }));
		expect(listed.items[0]).toMatchObject({ id: asked.id, status: "ready" });
		expect(JSON.stringify(listed)).not.toContain("token=");

		// Deleting the account deletes its archives too.
		expect((await env.MEDIA.list({ prefix: exportsPrefix(a.user.id) })).objects).toHaveLength(1);
		expect((await api("/api/users/me", { method: "DELETE", token: a.accessToken, json: { password: GOOD_PASSWORD } })).status).toBe(202);
		expect((await api(pathOf(link))).status).toBe(404);
		await waitFor(
			"the archive to be erased",
			async () => (await env.MEDIA.list({ prefix: exportsPrefix(a.user.id) })).objects.length === 0,
			{
				timeoutMs: 30_000,
				everyMs: 200,
			},
		);
	});

	it("answers the same 404 for a wrong token, another export's token and no export", async () => {
		const a = await verifiedUser("Ada Probing");
		const made = await json<{ id: string }>(await ask(a.accessToken));
		const expires = Math.floor(Date.now() / 1000) + 3600;
		for (const path of [
			`/api/exports/${made.id}/archive?token=${expires}.k.${"A".repeat(43)}`,
			`/api/exports/${crypto.randomUUID()}/archive?token=${expires}.k.${"A".repeat(43)}`,
			`/api/exports/${made.id}/archive?token=${Math.floor(Date.now() / 1000) - 10}.k.${"A".repeat(43)}`,
		]) {
			const res = await api(path);
			expect(res.status, path).toBe(404);
			expect(await res.json()).toMatchObject({ code: "export_not_found" });
		}
	});
});
