import { configOf } from "../../lib/config/config";
import { concatBytes } from "../../lib/encoding/bytes";
import { assertNoNul } from "../../lib/http/refuse-nul";
import { uuidv7 } from "../../lib/ids/uuidv7";
import { deleteAssetRow, settleUpload } from "../../lib/media-db/asset-store";
import { mediaDb } from "../../lib/media-db/media-db";
import { derivedFiles } from "../../lib/media-db/schema";
import { HttpProblem } from "../../lib/problems/http-problem";
import { enqueueTranscode } from "../../queue/enqueue-transcode";
import { announceVideoCreated } from "../../webhooks/webhook-events";
import { derivedPrefix, originalKeyFor } from "../cdn-key";
import { declaredSize } from "../images/image-header";
import { assertStoredImageWithinCap } from "../images/image-limits";
import { imagesProblem } from "../images/images-errors";
import { boundaryOf, type PartSink, readMultipart, textSink } from "./multipart-stream";
import { R2StreamWriter } from "./r2-stream-writer";
import { extensionAgrees, SNIFF_BYTES, type SniffedType, sniffMediaType } from "./sniff-media-type";
import { remainingStorage, reserveAsset, storageQuotaExceeded } from "./storage-quota";
import { type MetadataStripper, metadataStripperFor } from "./strip-metadata";

export interface ReceivedUpload {
	id: string;
	key: string;
	filename: string;
	size: number;
	type: SniffedType;
	thumbnailKey: string | null;
	fields: Record<string, string>;
}

const THUMBNAIL_WIDTH_PX = 320;
const TEXT_FIELD_BYTES = 2200;

/**
 * Cloudflare refuses request bodies over the zone's limit (100 MB on Free and Pro, 200 MB on
 * Business) before they reach the Worker (developers.cloudflare.com/workers/platform/limits/).
 * Single-request uploads are capped below it (UPLOAD_MAX_REQUEST_BYTES, 95 MiB), with an answer
 * that names the way that works for anything larger: the resumable upload, in 5 MiB chunks.
 */
export const useResumableUpload = (limit: number) =>
	new HttpProblem(
		413,
		"use_resumable_upload",
		`A single upload request carries at most ${limit} bytes; send larger videos through the resumable upload (tus) at /api/uploads/tus.`,
	);

function assertWithinRequestLimit(env: Env, req: Request): void {
	const limit = configOf(env).UPLOAD_MAX_REQUEST_BYTES;
	if (Number(req.headers.get("content-length") ?? 0) > limit) throw useResumableUpload(limit);
}

/**
 * A sink that decides the type from the first bytes, reserves the room the file may take
 * (its asset row, status `uploading`: storage-quota.ts), then streams the rest to R2.
 */
function fileSink(
	env: Env,
	{
		id,
		ownerId,
		filename,
		roomLeft,
		declaredBytes,
		inRequestBody = true,
	}: {
		id: string;
		ownerId: string;
		filename: string | undefined;
		roomLeft: number;
		declaredBytes: number | null;
		/** False for bytes the Worker fetched itself (a copy from a URL): the zone's request body limit does not apply. */
		inRequestBody?: boolean;
	},
	onType: (t: SniffedType, w: R2StreamWriter) => void,
): PartSink {
	let head: Uint8Array = new Uint8Array(0);
	let writer: R2StreamWriter | undefined;
	let stripper: MetadataStripper | undefined;
	let received = 0;
	let receivedMax = 0;
	/** Everything the client sends passes the metadata stripper (images) on its way to R2. */
	const store = async (chunks: Uint8Array[]) => {
		for (const c of chunks) await writer?.write(c);
	};
	const start = async (bytes: Uint8Array) => {
		const type = sniffMediaType(bytes);
		if (!type)
			throw new HttpProblem(
				415,
				"unsupported_media_type",
				"Only JPEG, PNG, GIF, WebP, AVIF images and MP4, MOV, WebM videos are accepted.",
			);
		if (!extensionAgrees(filename, type)) {
			throw new HttpProblem(415, "content_mismatch", `The file's name says one thing and its bytes another (they are ${type.mimetype}).`);
		}
		const config = configOf(env);
		if (type.mimetype === "image/avif" && !config.IMAGES_AVIF_INPUT) {
			throw new HttpProblem(
				415,
				"avif_input_unavailable",
				"AVIF pictures are not accepted here (Cloudflare Images reads AVIF only on Enterprise plans); send JPEG, PNG, WebP or GIF.",
			);
		}
		// A single request can carry no more than the zone's body limit (singleRequestLimit); larger videos go through tus.
		const kindMax = Math.min(
			type.kind === "image" ? config.UPLOAD_MAX_IMAGE_BYTES : config.UPLOAD_MAX_VIDEO_BYTES,
			inRequestBody ? config.UPLOAD_MAX_REQUEST_BYTES : Number.POSITIVE_INFINITY,
		);
		// The room held for this file: what the request declares (a multipart body is a little larger than its file),
		// else all the room left. The user's quota may leave less than the kind allows: then it is the quota that refuses.
		const room = Math.min(roomLeft, declaredBytes ?? roomLeft);
		const key = originalKeyFor(id, type.ext);
		writer =
			room < kindMax
				? new R2StreamWriter(env.MEDIA, key, type.mimetype, room, () => storageQuotaExceeded(config.STORAGE_QUOTA_BYTES_PER_USER))
				: new R2StreamWriter(env.MEDIA, key, type.mimetype, kindMax, () =>
						inRequestBody && kindMax === config.UPLOAD_MAX_REQUEST_BYTES
							? useResumableUpload(kindMax)
							: new HttpProblem(413, "file_too_large", `This kind of file is limited to ${kindMax} bytes.`),
					);
		onType(type, writer);
		receivedMax = Math.min(kindMax, room);
		await reserveAsset(env, {
			id,
			ownerId,
			kind: type.kind,
			r2Key: key,
			contentType: type.mimetype,
			// Images (avatars, pictures) are public; a video is seen through signed URLs until it is in a public reel.
			access: type.kind === "image" ? "public" : "signed",
			bytes: receivedMax,
		});
		stripper = type.kind === "image" ? metadataStripperFor(type.mimetype) : undefined;
		// What is dropped is not stored, but it is still received: the limit holds for the bytes sent too.
		await receive(bytes);
	};
	const receive = async (chunk: Uint8Array) => {
		received += chunk.length;
		if (received > receivedMax && writer) throw writer.overLimit();
		await store(stripper ? stripper.push(chunk) : [chunk]);
	};
	return {
		async write(chunk) {
			if (writer) return receive(chunk);
			head = concatBytes(head, chunk);
			if (head.length >= SNIFF_BYTES) await start(head);
		},
		async close() {
			if (!writer) {
				if (head.length === 0) throw new HttpProblem(400, "empty_file", "The file is empty.");
				await start(head);
			}
			if (stripper) await store(stripper.finish());
			await writer?.close();
		},
	};
}

/**
 * Checks an uploaded image really decodes, and writes its thumbnail; 422 (and
 * nothing kept) otherwise. The pixel cap is checked from the header first, as
 * /img does, so a decompression bomb is refused before any decoder sees it.
 * The size comes from our own header parser (image-header.ts), never from the
 * binding's info(): every binding call is a billed transformation.
 */
async function makeThumbnail(env: Env, key: string): Promise<{ thumbnailKey: string; width: number; height: number; bytes: number }> {
	const damaged = () => new HttpProblem(422, "unreadable_image", "The image is damaged or truncated.");
	const head = await assertStoredImageWithinCap(env, key);
	const size = head ? declaredSize(head) : undefined;
	if (!size || size.width === 0 || size.height === 0) throw damaged();
	try {
		const source = await env.MEDIA.get(key);
		if (!source) throw damaged();
		const thumb = await env.IMAGES.input(source.body)
			.transform({ width: Math.min(THUMBNAIL_WIDTH_PX, size.width), fit: "scale-down" })
			.output({ format: "image/jpeg", quality: 80 });
		const bytes = new Uint8Array(await thumb.response().arrayBuffer());
		const thumbnailKey = `${derivedPrefix(key)}thumb.jpg`;
		await env.MEDIA.put(thumbnailKey, bytes, { httpMetadata: { contentType: thumb.contentType() } });
		return { thumbnailKey, width: size.width, height: size.height, bytes: bytes.length };
	} catch (err) {
		// An image fault is the uploader's; a spent quota or a busy service is not, and must not read as "damaged".
		throw imagesProblem(err, damaged);
	}
}

/** A refused upload keeps nothing: neither its bytes nor the room its row reserved. */
async function forget(env: Env, id: string, key: string): Promise<void> {
	await env.MEDIA.delete(key);
	await deleteAssetRow(mediaDb(env), id);
}

/**
 * Receives a multipart upload (field `file`, optional text `fields`), streaming
 * the file to R2, then records the asset in D1: images get a thumbnail and are
 * ready at once; videos are queued for the transcoder. Nothing is kept when
 * anything is refused.
 */
export async function receiveUpload(
	env: Env,
	req: Request,
	ownerId: string,
	opts: { kinds: SniffedType["kind"][]; fields: string[] },
): Promise<ReceivedUpload> {
	if (!req.body) throw new HttpProblem(400, "missing_file", "Send the file in a multipart field named `file`.");
	assertWithinRequestLimit(env, req);
	const boundary = boundaryOf(req.headers.get("content-type") ?? undefined);
	const roomLeft = await remainingStorage(env, ownerId);
	const declared = Number(req.headers.get("content-length") ?? "");
	const declaredBytes = Number.isSafeInteger(declared) && declared > 0 ? declared : null;
	const id = uuidv7();
	const fields: Record<string, string> = {};
	let filename: string | undefined;
	let type: SniffedType | undefined;
	let writer: R2StreamWriter | undefined;
	try {
		await readMultipart(req.body, boundary, async (part) => {
			if (part.name === "file") {
				if (writer || filename !== undefined) throw new HttpProblem(400, "too_many_files", "Send one file per upload.");
				assertNoNul({ filename: part.filename });
				filename = (part.filename ?? "").slice(0, 255);
				return fileSink(env, { id, ownerId, filename: part.filename, roomLeft, declaredBytes }, (t, w) => {
					if (!opts.kinds.includes(t.kind))
						throw new HttpProblem(415, "unsupported_media_type", `This endpoint takes ${opts.kinds.join(" or ")} files.`);
					type = t;
					writer = w;
				});
			}
			if (opts.fields.includes(part.name) && part.filename === undefined) {
				return textSink(TEXT_FIELD_BYTES, (text) => {
					assertNoNul({ [part.name]: text });
					fields[part.name] = text;
				});
			}
			throw new HttpProblem(400, "unexpected_field", `Unexpected field "${part.name}"; send the file in a field named \`file\`.`);
		});
		if (!writer || !type) throw new HttpProblem(400, "missing_file", "Send the file in a multipart field named `file`.");
	} catch (err) {
		await writer?.abort();
		if (writer) await forget(env, id, writer.key);
		throw err;
	}

	return recordReceived(env, { id, ownerId, writer, type, filename, fields });
}

/**
 * Receives one video from a stream the Worker fetched itself (a copy from a URL): sniffed, held to
 * the video limit and the owner's quota, streamed to R2 as an upload's file is, then recorded and
 * queued. Nothing is kept when anything is refused.
 */
export async function receiveVideoStream(
	env: Env,
	body: ReadableStream<Uint8Array>,
	ownerId: string,
	{
		filename,
		declaredBytes,
		fields,
		roomLeft,
	}: { filename: string; declaredBytes: number | null; fields: Record<string, string>; roomLeft: number },
): Promise<ReceivedUpload> {
	const id = uuidv7();
	let type: SniffedType | undefined;
	let writer: R2StreamWriter | undefined;
	// The name is the URL's, not the uploader's: its extension says nothing the bytes must agree with.
	const sink = fileSink(env, { id, ownerId, filename: undefined, roomLeft, declaredBytes, inRequestBody: false }, (t, w) => {
		if (t.kind !== "video") throw new HttpProblem(415, "unsupported_media_type", "Only videos (MP4, MOV, WebM) can be copied from a URL.");
		type = t;
		writer = w;
	});
	const reader = body.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			await sink.write(value);
		}
		await sink.close();
		if (!writer || !type) throw new HttpProblem(400, "empty_file", "The URL's body is empty.");
	} catch (err) {
		await reader.cancel().catch(() => undefined);
		await writer?.abort();
		if (writer) await forget(env, id, writer.key);
		throw err;
	}
	return recordReceived(env, { id, ownerId, writer, type, filename, fields });
}

/** What every received file ends with: its row settled, an image's thumbnail, a video announced and queued. */
async function recordReceived(
	env: Env,
	{
		id,
		ownerId,
		writer,
		type,
		filename,
		fields,
	}: {
		id: string;
		ownerId: string;
		writer: R2StreamWriter;
		type: SniffedType;
		filename: string | undefined;
		fields: Record<string, string>;
	},
): Promise<ReceivedUpload> {
	const key = writer.key;
	let thumbnailKey: string | null = null;
	let dims: { width: number; height: number } | undefined;
	let thumbBytes = 0;
	if (type.kind === "image") {
		try {
			const thumb = await makeThumbnail(env, key);
			thumbnailKey = thumb.thumbnailKey;
			thumbBytes = thumb.bytes;
			dims = thumb;
		} catch (err) {
			await forget(env, id, key);
			throw err;
		}
	}
	const now = new Date().toISOString();
	// Settles the reservation to the bytes that arrived.
	await settleUpload(mediaDb(env), id, {
		kind: type.kind,
		bytes: writer.bytes,
		checksum: await writer.checksum(),
		width: dims?.width ?? null,
		height: dims?.height ?? null,
		title: fields.title ?? null,
		caption: fields.caption ?? null,
	});
	if (thumbnailKey) {
		await mediaDb(env)
			.insert(derivedFiles)
			.values({ r2Key: thumbnailKey, assetId: id, role: "thumbnail", contentType: "image/jpeg", bytes: thumbBytes, createdAt: now });
	}
	if (type.kind === "video") {
		// Told before the transcode is queued, so video.created is never behind the events that follow it.
		await announceVideoCreated(env, { id, ownerId, bytes: writer.bytes, title: fields.title });
		await enqueueTranscode(env, { assetId: id, sourceKey: key });
	}
	return { id, key, filename: filename || `${id}.${type.ext}`, size: writer.bytes, type, thumbnailKey, fields };
}
