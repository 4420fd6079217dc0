import { z } from "@hono/zod-openapi";
import { liveStatuses } from "../../lib/media-db/schema";

export const LiveIdParamSchema = z.object({ id: z.uuid() });

export const CreateLiveSchema = z
	.object({ title: z.string().trim().min(1).max(120).optional() })
	.strict()
	.openapi("CreateLiveStream");

export const LiveStreamSchema = z
	.object({
		id: z.uuid(),
		ownerId: z.uuid(),
		title: z.string().nullable(),
		status: z.enum(liveStatuses),
		/** Shown to the owner only: who has it may publish. */
		streamKey: z.string().optional().openapi({ description: "Only in the owner's view: publishing needs it" }),
		ingest: z.object({ websocket: z.string().openapi({ example: "/api/live/0192…/ingest" }) }),
		playback: z.object({ hls: z.string().openapi({ description: "The live master playlist; a VOD once the stream has ended" }) }),
		viewers: z.number().int().nonnegative(),
		videoId: z.uuid().openapi({ description: "The recording: post it as a reel (`POST /api/reels {video_id}`) once the stream has ended" }),
		createdAt: z.string(),
		startedAt: z.string().nullable(),
		endedAt: z.string().nullable(),
		endReason: z.string().nullable(),
	})
	.openapi("LiveStream");
export type LiveStreamJson = z.infer<typeof LiveStreamSchema>;

export const IngestQuerySchema = z.object({
	key: z
		.string()
		.max(200)
		.optional()
		.openapi({ description: "The stream key, for publishers that cannot set a subprotocol (`key.<streamKey>`); it ends up in URLs" }),
});
