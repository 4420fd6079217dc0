// FFmpeg picks a demuxer by probing the bytes, and some demuxers read other
// files: an HLS playlist or a DASH manifest names URLs (file:///etc/passwd), a
// concat script names paths. A source that starts like MP4 and goes on as an
// MPD could be parsed as one. So every FFmpeg and ffprobe run over what a user
// sent is pinned: the demuxer comes from our own sniff of the first bytes
// (`-f`), and the protocols it may open from the one it needs
// (`-protocol_whitelist`): `file` for a spooled source, `pipe` for a live
// stream. Nothing a user sends can make FFmpeg open anything else.
import { open } from "node:fs/promises";

/** FFmpeg's demuxers for what the platform accepts: MP4 and MOV (and fragmented MP4), WebM, MPEG-TS. */
export type Demuxer = "mov" | "matroska" | "mpegts";

/** Bytes demuxerFor needs to decide. */
export const DEMUXER_SNIFF_BYTES = 189;

const MP4_FIRST_BOXES = new Set(["ftyp", "styp", "moof"]);

/** The demuxer for these first bytes, or null when they are none the platform accepts. */
export function demuxerFor(head: Uint8Array): Demuxer | null {
	// MPEG-TS: 188-byte packets, each starting with the sync byte 0x47.
	if (head.length >= 189 && head[0] === 0x47 && head[188] === 0x47) return "mpegts";
	// WebM / Matroska: an EBML header.
	if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return "matroska";
	// MP4, MOV, fragmented MP4: a box FFmpeg, phones and browsers write first.
	if (head.length >= 8 && MP4_FIRST_BOXES.has(String.fromCharCode(...head.subarray(4, 8)))) return "mov";
	return null;
}

/** The first bytes of a file, for demuxerFor. */
export async function demuxerOfFile(path: string): Promise<Demuxer | null> {
	const handle = await open(path, "r");
	try {
		const head = Buffer.alloc(DEMUXER_SNIFF_BYTES);
		const { bytesRead } = await handle.read(head, 0, DEMUXER_SNIFF_BYTES, 0);
		return demuxerFor(head.subarray(0, bytesRead));
	} finally {
		await handle.close();
	}
}

/** The input options that pin one input: its demuxer and the only protocol it may use. Put them right before its `-i`. */
export const pinnedInput = (demuxer: Demuxer | "image2", protocol: "file" | "pipe"): string[] => [
	"-f",
	demuxer,
	"-protocol_whitelist",
	protocol,
];
