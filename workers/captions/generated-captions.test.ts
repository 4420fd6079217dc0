import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { captionRows } from "../lib/media-db/caption-store";
import { mediaDb } from "../lib/media-db/media-db";
import { api } from "../test-support/api";
import { transcodedVideo } from "../test-support/videos";
import { captionSpeech, type Speech } from "./generated-captions";

const heard = (cues: Speech["cues"]): Speech => ({ lang: "en", engine: "pocketsphinx", cues });

async function ready() {
	const v = await transcodedVideo();
	return { ...v, video: { id: v.id, r2Key: v.key, durationMs: 1000 } };
}

describe("captionSpeech", () => {
	it("adds what was heard as a generated track, sanitised like an upload, listed in the manifests; a repeat replaces it", async () => {
		const { owner, id, video } = await ready();
		const outcome = await captionSpeech(env, "http://x/", video, heard([{ start: 0.1, end: 0.8, text: "hello <img src=x> & world" }]));
		expect(outcome).toBe("added");
		const status = (await (await api(`/api/videos/${id}/status`, { token: owner.accessToken })).json()) as {
			hls: string;
			captions: { lang: string; label: string; generated: boolean; url: string }[];
		};
		expect(status.captions).toEqual([{ lang: "en", label: "English (auto-generated)", generated: true, url: expect.any(String) }]);
		expect(await (await api(status.captions[0]?.url as string)).text()).toBe(
			"WEBVTT\n\n00:00:00.100 --> 00:00:00.800\nhello  &amp; world\n",
		);
		expect(await (await api(status.hls)).text()).toContain('NAME="English (auto-generated)",LANGUAGE="en"');

		// A cue with no length once timed to the millisecond, or no words, is left out, not the whole track.
		const again = heard([
			{ start: 0.2, end: 0.2004, text: "instant" },
			{ start: 0.3, end: 0.4, text: "  " },
			{ start: 0, end: 0.5, text: "again" },
		]);
		expect(await captionSpeech(env, "http://x/", video, again)).toBe("added");
		const rows = await captionRows(mediaDb(env), id);
		expect(rows.map((r) => [r.lang, r.generated, r.spoken])).toEqual([["en", true, "again"]]);
	});

	it("never replaces the creator's own track, and makes none of silence or of words past the end", async () => {
		const { owner, id, video } = await ready();
		expect(await captionSpeech(env, "http://x/", video, null)).toBe("no_speech");
		expect(await captionSpeech(env, "http://x/", video, heard([]))).toBe("no_speech");
		expect(await captionSpeech(env, "http://x/", video, heard([{ start: 2, end: 3, text: "after the end" }]))).toBe("no_speech");
		expect(await captionRows(mediaDb(env), id)).toEqual([]);

		const put = await api(`/api/videos/${id}/captions/en`, {
			method: "PUT",
			token: owner.accessToken,
			headers: { "content-type": "text/vtt" },
			body: "WEBVTT\n\n00:00.000 --> 00:00.900\nMy own words\n",
		});
		expect(put.status).toBe(201);
		expect(await captionSpeech(env, "http://x/", video, heard([{ start: 0, end: 0.5, text: "machine words" }]))).toBe("kept_uploaded");
		const rows = await captionRows(mediaDb(env), id);
		expect(rows.map((r) => [r.lang, r.generated, r.spoken])).toEqual([["en", false, "My own words"]]);
	});
});
