import { describe, expect, it } from "vitest";
import { api, ownAddress, type Session } from "../../test-support/api";
import { transcodedVideo } from "../../test-support/videos";
import { declaredSize } from "../images/image-header";

type Status = { poster: string; renditions: { width: number; height: number }[] };
const statusOf = async (owner: Session, id: string) =>
	(await (await api(`/api/videos/${id}/status`, { token: owner.accessToken })).json()) as Status;
const ipOf = () => ({ "cf-connecting-ip": ownAddress() });

async function publicVideo() {
	const video = await transcodedVideo();
	const posted = await api("/api/reels", {
		method: "POST",
		token: video.owner.accessToken,
		json: { video_id: video.id, caption: "frames" },
	});
	expect(posted.status).toBe(201);
	return video;
}

// Each test transcodes a real video first, and a busy CI machine can take longer than the runner's 5 s default.
describe("GET /cdn/<video folder>/thumbnail.jpg?time=", { timeout: 60_000 }, () => {
	it("answers the frame at a time at the width asked, the video's shape kept; a repeat comes from the edge cache", async () => {
		const { owner, id, prefix } = await publicVideo();
		const top = (await statusOf(owner, id)).renditions[0] as { width: number; height: number };
		const headers = ipOf();
		const first = await api(`/cdn/${prefix}/thumbnail.jpg?time=0.5&width=160`, { headers });
		expect(first.status).toBe(200);
		expect(first.headers.get("content-type")).toBe("image/jpeg");
		expect(first.headers.get("x-img-cache")).toBe("MISS");
		expect(first.headers.get("cache-tag")).toBe(`asset-${id}`);
		const size = declaredSize(new Uint8Array(await first.arrayBuffer()));
		expect(size).toMatchObject({ width: 160, height: Math.round((160 * top.height) / top.width / 2) * 2 });
		const again = await api(`/cdn/${prefix}/thumbnail.jpg?time=0.5s&width=160`, { headers });
		expect(again.headers.get("x-img-cache")).toBe("HIT");
		await again.arrayBuffer();
	});

	it("refuses a bad time or width with a problem, and a time past the end with 422", async () => {
		const { prefix } = await publicVideo();
		const cases: [string, number, string][] = [
			["", 400, "validation_failed"],
			["?time=abc", 400, "validation_failed"],
			["?time=-1", 400, "validation_failed"],
			["?time=0.2&width=123", 400, "validation_failed"],
			["?time=5", 422, "time_past_end"],
		];
		for (const [query, status, code] of cases) {
			const res = await api(`/cdn/${prefix}/thumbnail.jpg${query}`, { headers: ipOf() });
			expect(res.status, query).toBe(status);
			expect(((await res.json()) as { code: string }).code).toBe(code);
		}
	});

	it("serves a video no public reel shows only through its signed URL, and nothing once it is taken down, cached or not", async () => {
		const { owner, id, prefix } = await transcodedVideo();
		const headers = ipOf();
		expect((await api(`/cdn/${prefix}/thumbnail.jpg?time=0.1`, { headers })).status).toBe(404);
		// The owner's signed poster URL opens the video's folder, frames included.
		const token = /^\/cdn\/s\/([^/]+)\//.exec((await statusOf(owner, id)).poster)?.[1];
		const signed = `/cdn/s/${token}/${prefix}/thumbnail.jpg?time=0.1`;
		const res = await api(signed, { headers });
		expect(res.status).toBe(200);
		expect(res.headers.get("cache-control")).toMatch(/^private/);
		await res.arrayBuffer();
		expect((await api(signed, { headers })).headers.get("x-img-cache")).toBe("HIT");
		// Another asset's folder or a forged token: the same 404 as a missing file.
		const otherFolder = `${prefix.slice(0, -1)}${prefix.endsWith("0") ? "1" : "0"}`;
		expect((await api(`/cdn/s/${token}/${otherFolder}/thumbnail.jpg?time=0.1`, { headers })).status).toBe(404);

		expect((await api(`/api/assets/${id}`, { method: "DELETE", token: owner.accessToken })).status).toBe(200);
		expect((await api(signed, { headers })).status).toBe(404);
	});

	it("spends the caller's transform budget on each new frame; frames already made stay free", async () => {
		const { prefix } = await publicVideo();
		const headers = ipOf();
		const budget = { IMAGE_TRANSFORMS_PER_HOUR: "1" };
		const get = (time: number) => api(`/cdn/${prefix}/thumbnail.jpg?time=${time}&width=64`, { headers }, budget);
		// A HEAD says the frame can be had without making it: no decode, nothing spent.
		const head = await api(`/cdn/${prefix}/thumbnail.jpg?time=0.1&width=64`, { method: "HEAD", headers }, budget);
		expect(head.status).toBe(200);
		expect(head.headers.get("content-type")).toBe("image/jpeg");
		expect((await get(0.1)).status).toBe(200);
		const refused = await get(0.2);
		expect(refused.status).toBe(429);
		expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
		expect(await refused.json()).toMatchObject({ code: "transform_budget_exhausted" });
		const cached = await get(0.1);
		expect(cached.status).toBe(200);
		expect(cached.headers.get("x-img-cache")).toBe("HIT");
	});
});
