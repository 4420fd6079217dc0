import { describe, expect, it } from "vitest";
import { type CaptionTrack, captionedMaster, captionedMpd, captionPlaylist } from "./caption-manifests";

const MASTER = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_A1",NAME="audio_2",DEFAULT=YES,URI="2/playlist.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=115690,RESOLUTION=320x180,CODECS="avc1.f4000c,mp4a.40.2",AUDIO="group_A1"
0/playlist.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=110158,RESOLUTION=160x90,CODECS="avc1.f4000b,mp4a.40.2",AUDIO="group_A1"
1/playlist.m3u8
`;

const MPD = `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">
	<Period id="0" start="PT0.0S">
		<AdaptationSet id="0" contentType="video"></AdaptationSet>
	</Period>
</MPD>
`;

const track = (lang: string, label: string): CaptionTrack => ({
	lang,
	label,
	vtt: `captions/${lang}-3.vtt`,
	playlist: `captions/${lang}-3.m3u8`,
	bytes: 100,
});

describe("caption manifests", () => {
	it("puts a SUBTITLES group in the HLS master and names it on every variant", () => {
		const out = captionedMaster(MASTER, [track("en", "English"), track("pt-BR", 'Portu"guese\n')], "../");
		const lines = out.split("\n");
		expect(lines.slice(2, 5)).toEqual([
			'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_A1",NAME="audio_2",DEFAULT=YES,URI="2/playlist.m3u8"',
			'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="cc",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="../captions/en-3.m3u8"',
			'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="cc",NAME="Portuguese",LANGUAGE="pt-BR",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="../captions/pt-BR-3.m3u8"',
		]);
		expect(lines.filter((l) => l.startsWith("#EXT-X-STREAM-INF")).every((l) => l.endsWith(',AUDIO="group_A1",SUBTITLES="cc"'))).toBe(true);
		// Rewriting a rewritten master names the group once.
		expect(captionedMaster(out, [track("en", "English")]).match(/SUBTITLES="cc"/g)).toHaveLength(2);
		expect(() => captionedMaster("#EXTM3U\n", [track("en", "English")])).toThrow(/no variant/);
	});

	it("gives two tracks with one label distinct names", () => {
		const out = captionedMaster(MASTER, [track("en", "Captions"), track("fr", "Captions")]);
		expect(out).toContain('NAME="Captions",LANGUAGE="en"');
		expect(out).toContain('NAME="Captions (fr)",LANGUAGE="fr"');
	});

	it("adds a text AdaptationSet per track to the DASH manifest, escaped", () => {
		const out = captionedMpd(MPD, [track("en", "English <CC> & more")], "../");
		expect(out).toContain(`		<AdaptationSet id="100" contentType="text" mimeType="text/vtt" lang="en">
			<Label>English &lt;CC&gt; &amp; more</Label>
			<Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle" />
			<Representation id="caption-en" bandwidth="800">
				<BaseURL>../captions/en-3.vtt</BaseURL>
			</Representation>
		</AdaptationSet>
	</Period>`);
		expect(() => captionedMpd("<MPD/>", [track("en", "English")])).toThrow(/no Period/);
	});

	it("lists a track's WebVTT as the one segment of a VOD playlist", () => {
		expect(captionPlaylist("en-3.vtt", 12.5)).toBe(
			"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:13\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:12.500,\nen-3.vtt\n#EXT-X-ENDLIST\n",
		);
	});
});
