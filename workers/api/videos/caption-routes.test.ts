import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { takeCaptionLock } from "../../lib/media-db/caption-store";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets, captionManifests, captions } from "../../lib/media-db/schema";
import { api, GOOD_PASSWORD, registerUser, type Session } from "../../test-support/api";
import { seedAsset } from "../../test-support/assets";
import { sampleVideo } from "../../test-support/media";
import { sawWrite } from "../../test-support/reels";
import { transcodedVideo } from "../../test-support/videos";

const VTT = `WEBVTT

00:00.000 --> 00:00.500
Hello <script>alert(1)</script><b>world</b>

00:00.500 --> 00:05.000
Runs past the end
`;

const putCaption = (owner: Session, id: string, lang: string, body: string, type = "text/vtt", query = "") =>
	api(`/api/videos/${id}/captions/${lang}${query}`, { method: "PUT", token: owner.accessToken, headers: { "content-type": type }, body });

type Status = { hls: string; dash: string; captions: { lang: string; label: string; generated: boolean; url: string }[] };
const statusOf = async (owner: Session, id: string) =>
	(await (await api(`/api/videos/${id}/status`, { token: owner.accessToken })).json()) as Status;

/** The text at `path` resolved against `base`, as a player follows a manifest's relative URL. */
const fetchText = async (path: string, base = "http://x/") => {
	const url = new URL(path, base);
	const res = await api(url.pathname);
	return { status: res.status, type: res.headers.get("content-type"), text: await res.text(), url: url.toString() };
};

describe("caption tracks", () => {
	it("adds a sanitised WebVTT track that the HLS and DASH manifests list and a reel carries; deleting the video erases it", async () => {
		const { owner, id, prefix } = await transcodedVideo();
		const res = await putCaption(owner, id, "en", VTT);
		expect(res.status).toBe(201);
		const track = (await res.json()) as { url: string };
		expect(track).toEqual({
			lang: "en",
			label: "English",
			generated: false,
			url: expect.stringMatching(new RegExp(`^/cdn/s/[^/]+/${prefix}/captions/en-\\d+\\.vtt$`)),
			cues: 2,
			bytes: expect.any(Number),
			updatedAt: expect.any(String),
		});
		// Markup beyond <b>/<i>/<u> is gone, and the second cue ends with the one-second video.
		const vtt = await fetchText(track.url);
		expect(vtt.type).toMatch(/^text\/vtt/);
		// Its cached copies can be purged apart from the video's segments (a caption change), or with them (a takedown).
		expect((await api(new URL(track.url, "http://x/").pathname)).headers.get("cache-tag")).toBe(`asset-${id},asset-${id}-captions`);
		expect(vtt.text).toBe(
			"WEBVTT\n\n00:00:00.000 --> 00:00:00.500\nHello alert(1)<b>world</b>\n\n00:00:00.500 --> 00:00:01.000\nRuns past the end\n",
		);

		const status = await statusOf(owner, id);
		expect(status.hls).toMatch(/\/hls\/master-cc\d+\.m3u8$/);
		expect(status.dash).toMatch(/\/dash\/manifest-cc\d+\.mpd$/);
		expect(status.captions).toEqual([{ lang: "en", label: "English", generated: false, url: track.url }]);
		// A player follows the master to the subtitle playlist to the WebVTT file, all through the signed URL's token.
		const master = await fetchText(status.hls);
		expect(master.status).toBe(200);
		const uri = /#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="cc",NAME="English",LANGUAGE="en",[^\n]*URI="([^"]+)"/.exec(master.text)?.[1];
		expect(uri).toMatch(/^\.\.\/captions\/en-\d+\.m3u8$/);
		expect(master.text).toMatch(/#EXT-X-STREAM-INF:[^\n]*SUBTITLES="cc"\n0\/playlist\.m3u8/);
		const playlist = await fetchText(uri as string, master.url);
		expect(playlist.status).toBe(200);
		const segment = playlist.text.split("\n").find((l) => l.endsWith(".vtt")) as string;
		expect((await fetchText(segment, playlist.url)).text).toBe(vtt.text);
		const mpd = await fetchText(status.dash);
		const baseUrl = /<AdaptationSet [^>]*contentType="text" mimeType="text\/vtt" lang="en">[\s\S]*?<BaseURL>([^<]+)<\/BaseURL>/.exec(
			mpd.text,
		)?.[1];
		expect((await fetchText(baseUrl as string, mpd.url)).text).toBe(vtt.text);

		const posted = await api("/api/reels", { method: "POST", token: owner.accessToken, json: { video_id: id, caption: "with captions" } });
		expect(posted.status).toBe(201);
		const reel = (await posted.json()) as { video: { hls: string; captions: { lang: string; url: string }[] } };
		expect(reel.video.hls).toMatch(/master-cc\d+\.m3u8$/);
		expect(reel.video.captions).toEqual([
			{ lang: "en", label: "English", generated: false, url: expect.stringContaining("/captions/en-") },
		]);

		expect((await api(`/api/assets/${id}`, { method: "DELETE", token: owner.accessToken })).status).toBe(200);
		expect((await fetchText(track.url)).status).toBe(404);
		expect((await env.MEDIA.list({ prefix: `${prefix}/captions/` })).objects).toEqual([]);
		expect(await mediaDb(env).select().from(captions).where(eq(captions.assetId, id))).toEqual([]);
		expect(await mediaDb(env).select().from(captionManifests).where(eq(captionManifests.assetId, id))).toEqual([]);
	});

	it("replaces a track with a new file and URL (SRT read too), lists several, and deleting the last restores the transcoder's manifests", async () => {
		const { owner, id, prefix } = await transcodedVideo();
		const first = (await (await putCaption(owner, id, "en-us", VTT)).json()) as { lang: string; url: string };
		expect(first.lang).toBe("en-US");
		const replaced = await putCaption(
			owner,
			id,
			"en-US",
			"1\n00:00:00,100 --> 00:00:00,900\n<font color=red>Replaced</font>\n",
			"application/x-subrip",
			"?label=Director%27s%20notes",
		);
		expect(replaced.status).toBe(200);
		const second = (await replaced.json()) as { url: string; label: string };
		expect(second.label).toBe("Director's notes");
		expect(second.url).not.toBe(first.url);
		expect((await fetchText(second.url)).text).toBe("WEBVTT\n\n00:00:00.100 --> 00:00:00.900\nReplaced\n");
		// The replaced file is not served any more, and nothing of it is left in R2.
		expect((await fetchText(first.url)).status).toBe(404);
		const oldHls = (await statusOf(owner, id)).hls;
		expect((await putCaption(owner, id, "fr", VTT)).status).toBe(201);
		const both = await statusOf(owner, id);
		expect(both.captions.map((c) => c.lang)).toEqual(["en-US", "fr"]);
		// A superseded master stays (a page or an embed may still hold its URL); only removed tracks' files go.
		expect((await fetchText(oldHls)).status).toBe(200);
		expect((await fetchText(both.hls)).text.match(/TYPE=SUBTITLES/g)).toHaveLength(2);
		const list = await api(`/api/videos/${id}/captions`, { token: owner.accessToken });
		expect(((await list.json()) as { captions: { lang: string }[] }).captions.map((c) => c.lang)).toEqual(["en-US", "fr"]);

		expect((await api(`/api/videos/${id}/captions/en-US`, { method: "DELETE", token: owner.accessToken })).status).toBe(204);
		expect((await fetchText(second.url)).status).toBe(404);
		expect((await statusOf(owner, id)).captions.map((c) => c.lang)).toEqual(["fr"]);
		expect((await api(`/api/videos/${id}/captions/fr`, { method: "DELETE", token: owner.accessToken })).status).toBe(204);
		const none = await statusOf(owner, id);
		expect(none.hls).toMatch(/\/hls\/master\.m3u8$/);
		expect(none.dash).toMatch(/\/dash\/manifest\.mpd$/);
		expect(none.captions).toEqual([]);
		expect((await fetchText(both.hls)).status).toBe(200);
		expect((await env.MEDIA.list({ prefix: `${prefix}/captions/` })).objects).toEqual([]);
		const again = await api(`/api/videos/${id}/captions/fr`, { method: "DELETE", token: owner.accessToken });
		expect(again.status).toBe(404);
		expect(await again.json()).toMatchObject({ code: "caption_not_found" });
	});

	it("keeps a reel's captions in step, signed for a reel that is not public", async () => {
		const { owner, id } = await transcodedVideo();
		const posted = await api("/api/reels", {
			method: "POST",
			token: owner.accessToken,
			json: { video_id: id, caption: "private one", visibility: "private" },
		});
		const reel = (await posted.json()) as { id: string; video: { captions: unknown[] } };
		expect(reel.video.captions).toEqual([]);
		const put = await putCaption(owner, id, "de", VTT);
		const token = put.headers.get("x-consistency-token") ?? "";
		expect(token).not.toBe("");
		const read = async () =>
			(await (await api(`/api/reels/${reel.id}`, { token: owner.accessToken, headers: sawWrite(token) })).json()) as {
				video: { hls: string; captions: { lang: string; label: string; url: string }[] };
			};
		const after = await read();
		expect(after.video.captions).toEqual([
			{ lang: "de", label: "German", generated: false, url: expect.stringMatching(/^\/cdn\/s\/[^/]+\/.*\/captions\/de-\d+\.vtt$/) },
		]);
		expect(after.video.hls).toMatch(/^\/cdn\/s\/.*master-cc\d+\.m3u8$/);
		// Unsigned, a private reel's captions are not served.
		const unsigned = after.video.captions[0]?.url.replace(/^\/cdn\/s\/[^/]+\//, "/cdn/") as string;
		expect((await api(unsigned)).status).toBe(404);
		expect((await api(after.video.captions[0]?.url as string)).status).toBe(200);
	});

	it("makes a reel findable by what its captions say, before and after it is posted, and no longer once the track goes", async () => {
		const word = `zyx${crypto.randomUUID().slice(0, 8)}`;
		const { owner, id } = await transcodedVideo();
		await putCaption(owner, id, "en", `WEBVTT\n\n00:00.000 --> 00:00.900\nsay ${word} twice\n`);
		const posted = await api("/api/reels", { method: "POST", token: owner.accessToken, json: { video_id: id, caption: "#spoken words" } });
		const reel = (await posted.json()) as { id: string };
		const found = async (q: string, token: string) =>
			((await (await api(`/api/search?q=${q}&type=reels`, { headers: sawWrite(token) })).json()) as { reels: { id: string }[] }).reels.map(
				(r) => r.id,
			);
		expect(await found(word, posted.headers.get("x-consistency-token") ?? "")).toEqual([reel.id]);
		// Editing the reel's caption keeps what its video says searchable; its hashtags still count.
		const edited = await api(`/api/reels/${reel.id}`, { method: "PATCH", token: owner.accessToken, json: { caption: "#renamed" } });
		const editToken = edited.headers.get("x-consistency-token") ?? "";
		expect(await found(word, editToken)).toEqual([reel.id]);
		expect(await found("renamed", editToken)).toContain(reel.id);
		// A track added after posting is searched too, and a removed one no longer is.
		const later = `qwv${crypto.randomUUID().slice(0, 8)}`;
		const put = await putCaption(owner, id, "fr", `WEBVTT\n\n00:00.000 --> 00:00.900\n${later}\n`);
		expect(await found(later, put.headers.get("x-consistency-token") ?? "")).toEqual([reel.id]);
		const removed = await api(`/api/videos/${id}/captions/en`, { method: "DELETE", token: owner.accessToken });
		expect(await found(word, removed.headers.get("x-consistency-token") ?? "")).toEqual([]);
	});

	it("refuses strangers, bad languages, other types, big or broken files, unfinished videos and a second change at once", async () => {
		const owner = await registerUser();
		const stranger = await registerUser();
		const { id } = await seedAsset({ bytes: sampleVideo(), kind: "video", status: "ready", ownerId: owner.user.id });
		await mediaDb(env).update(assets).set({ durationMs: 4000 }).where(eq(assets.id, id));
		const problem = async (res: Response) => ({ status: res.status, ...((await res.json()) as { code: string }) });

		expect((await api(`/api/videos/${id}/captions/en`, { method: "PUT", headers: { "content-type": "text/vtt" }, body: VTT })).status).toBe(
			401,
		);
		expect(await problem(await putCaption(stranger, id, "en", VTT))).toMatchObject({ status: 404, code: "video_not_found" });
		expect((await api(`/api/videos/${id}/captions`, { token: stranger.accessToken })).status).toBe(404);
		expect(await problem(await putCaption(owner, id, "not a language", VTT))).toMatchObject({ status: 400, code: "invalid_language" });
		expect(await problem(await putCaption(owner, id, "en-x-private", VTT))).toMatchObject({ status: 400, code: "invalid_language" });
		expect(await problem(await putCaption(owner, id, "en", VTT, "text/html"))).toMatchObject({
			status: 415,
			code: "unsupported_media_type",
		});
		expect(await problem(await putCaption(owner, id, "en", `WEBVTT\n\n${"x".repeat(600 * 1024)}`))).toMatchObject({
			status: 413,
			code: "body_too_large",
		});
		expect(await problem(await putCaption(owner, id, "en", "WEBVTT\n\n00:02.000 --> 00:01.000\nbackwards\n"))).toMatchObject({
			status: 422,
			code: "invalid_captions",
			line: 3,
		});
		const latin1 = await api(`/api/videos/${id}/captions/en`, {
			method: "PUT",
			token: owner.accessToken,
			headers: { "content-type": "text/vtt" },
			body: new Uint8Array([0x57, 0x45, 0x42, 0x56, 0x54, 0x54, 0x0a, 0xe9]),
		});
		expect(await problem(latin1)).toMatchObject({ status: 422, code: "invalid_captions" });

		// Another change holds the video's lock: 409 with Retry-After, and nothing is written.
		expect(await takeCaptionLock(mediaDb(env), id)).toBe(1);
		const busy = await putCaption(owner, id, "en", VTT);
		expect(busy.status).toBe(409);
		expect(busy.headers.get("retry-after")).toBe("2");
		expect(await mediaDb(env).select().from(captions).where(eq(captions.assetId, id))).toEqual([]);
		await mediaDb(env).update(captionManifests).set({ lockUntil: null }).where(eq(captionManifests.assetId, id));
		expect((await putCaption(owner, id, "en", VTT)).status).toBe(201);

		// At most 20 tracks: a 21st language is refused, a new file for one it has is not.
		for (const lang of ["de", "es", "fr", "it", "nl", "pl", "pt", "sv", "da", "fi", "no", "cs", "hu", "ro", "el", "tr", "ja", "ko", "zh"]) {
			expect((await putCaption(owner, id, lang, VTT)).status).toBe(201);
		}
		expect(await problem(await putCaption(owner, id, "uk", VTT))).toMatchObject({ status: 422, code: "too_many_captions" });
		expect((await putCaption(owner, id, "en", VTT)).status).toBe(200);

		await mediaDb(env).update(assets).set({ status: "processing" }).where(eq(assets.id, id));
		expect(await problem(await putCaption(owner, id, "en", VTT))).toMatchObject({ status: 409, code: "video_not_ready" });
		// A video being taken down (blocked) takes no change, so none can land after its files are swept.
		await mediaDb(env).update(assets).set({ status: "ready", access: "blocked" }).where(eq(assets.id, id));
		expect(await problem(await putCaption(owner, id, "en", VTT))).toMatchObject({ status: 404, code: "video_not_found" });
	});

	it("lets an API key with videos:write change tracks, and one with only videos:read list them", async () => {
		const { owner, id } = await transcodedVideo();
		const key = async (scopes: string[]) => {
			const res = await api("/api/keys", {
				method: "POST",
				token: owner.accessToken,
				json: { password: GOOD_PASSWORD, name: "k", scopes },
			});
			return ((await res.json()) as { key: string }).key;
		};
		const [writer, reader] = [await key(["videos:write"]), await key(["videos:read"])];
		const put = (token: string) =>
			api(`/api/videos/${id}/captions/en`, { method: "PUT", token, headers: { "content-type": "text/vtt" }, body: VTT });
		expect((await put(reader)).status).toBe(403);
		expect((await put(writer)).status).toBe(201);
		expect((await api(`/api/videos/${id}/captions`, { token: reader })).status).toBe(200);
		expect((await api(`/api/videos/${id}/captions/en`, { method: "DELETE", token: writer })).status).toBe(204);
	});
});
