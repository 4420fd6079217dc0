import { z } from "@hono/zod-openapi";
import { pageSchema } from "../../lib/pagination/cursor-codec";
import { REEL_MEDIA_STATUSES, REEL_VISIBILITIES } from "../../lib/postgres/schema";

export const CAPTION_MAX = 2200;
export const COMMENT_MAX = 1000;

export const ReelIdParamSchema = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });

const cdnPath = z
	.string()
	.nullable()
	.openapi({ description: "A /cdn path; for any but public reels a signed one (/cdn/s/<token>/…) that expires" });

const Visibility = z.enum(REEL_VISIBILITIES).openapi({
	description:
		"public: listed everywhere; unlisted: anyone with the link; followers: the author's followers; private: the author alone. Media of any but public reels is served only through signed URLs.",
});

export const CaptionLinkSchema = z
	.object({
		lang: z.string().openapi({ description: "BCP-47 language tag", example: "en" }),
		label: z.string().openapi({ example: "English" }),
		generated: z.boolean().openapi({ description: "Recognised from the video's speech rather than uploaded" }),
		url: z.string().openapi({ description: "The WebVTT file: a /cdn path, signed like the reel's other media" }),
	})
	.openapi("CaptionLink");

export const ReelSchema = z
	.object({
		id: z.uuid(),
		caption: z.string(),
		hashtags: z.array(z.string()),
		author: z.object({ id: z.uuid(), name: z.string(), handle: z.string() }),
		video: z.object({
			id: z.uuid(),
			status: z.enum(REEL_MEDIA_STATUSES).openapi({
				description:
					"Listed and watchable once `playable` (HLS only: its first seconds are published while the rest is encoded) or `ready`",
			}),
			hls: cdnPath,
			dash: cdnPath,
			thumbnail: cdnPath,
			poster: cdnPath,
			storyboard: cdnPath,
			preview: cdnPath.openapi({ description: "A ~3 s muted MP4 loop for grids (on hover or in view); null for older videos" }),
			captions: z
				.array(CaptionLinkSchema)
				.openapi({ description: "Its caption tracks (WebVTT), also listed in the hls and dash manifests" }),
			duration: z.number().nullable().openapi({ description: "Seconds" }),
		}),
		likeCount: z.number().int(),
		commentCount: z.number().int(),
		viewCount: z.number().int(),
		liked: z.boolean().openapi({ description: "Whether the caller likes it (false when anonymous)" }),
		hidden: z.boolean().openapi({ description: "Hidden pending review (only its author and admins see it)" }),
		visibility: Visibility,
		createdAt: z.string().openapi({ format: "date-time" }),
	})
	.openapi("Reel");
export type Reel = z.infer<typeof ReelSchema>;

export const ReelPageSchema = pageSchema(ReelSchema, "ReelPage");

const caption = z.string().max(CAPTION_MAX, `captions are at most ${CAPTION_MAX} characters`);

export const CreateReelSchema = z
	.union([
		z.strictObject({
			video_id: z.uuid(),
			caption: caption.optional(),
			visibility: Visibility.optional(),
			clip: z
				.strictObject({ start: z.number().min(0), end: z.number().positive() })
				.optional()
				.openapi({
					description:
						"Post only this range of the video (seconds): it becomes a video of its own first, as POST /api/videos/{id}/clip makes one; the same range again is the same clip, and so the same reel",
				}),
		}),
		z.strictObject({
			video_url: z.string().min(1).max(1024).openapi({ description: "A /cdn/... URL of a video you uploaded (seed-compatible)" }),
			caption: caption.optional(),
			visibility: Visibility.optional(),
			user_id: z.uuid().optional().openapi({ description: "Ignored unless it differs from you, which is a 403" }),
		}),
	])
	.openapi("CreateReel");

export const UpdateReelSchema = z
	.strictObject({ caption: caption.optional(), visibility: Visibility.optional() })
	.refine((b) => b.caption !== undefined || b.visibility !== undefined, "send a caption, a visibility or both")
	.openapi("UpdateReel");

export const LikeStateSchema = z.object({ liked: z.boolean(), likeCount: z.number().int() }).openapi("LikeState");

export const CommentSchema = z
	.object({
		id: z.uuid(),
		reelId: z.uuid(),
		parentId: z.uuid().nullable().openapi({ description: "For a reply: the thread's top-level comment" }),
		replyCount: z.number().int().openapi({ description: "Replies in this comment's thread (0 for a reply)" }),
		text: z.string(),
		author: z.object({ id: z.uuid(), name: z.string(), handle: z.string() }),
		createdAt: z.string().openapi({ format: "date-time" }),
	})
	.openapi("Comment");

export const CreateCommentSchema = z
	.strictObject({
		text: z.string().trim().min(1, "a comment needs text").max(COMMENT_MAX, `comments are at most ${COMMENT_MAX} characters`),
		replyTo: z.uuid().optional().openapi({ description: "A comment on the same reel this answers; a reply to a reply joins that thread" }),
	})
	.openapi("CreateComment");

export const ReportSchema = z
	.strictObject({
		reason: z.enum(["spam", "nudity", "violence", "harassment", "hate", "copyright", "other"]),
		detail: z.string().max(500).optional(),
	})
	.openapi("ReportReel");

/** `#tag` in a caption: letters first, then letters, digits or underscores; stored lowercased. */
export function hashtagsOf(text: string): string[] {
	const tags = [...text.matchAll(/(?:^|[^\p{L}\p{N}_&])#(\p{L}[\p{L}\p{N}_]{0,49})/gu)].map((m) => (m[1] as string).toLowerCase());
	return [...new Set(tags)].slice(0, 30);
}
