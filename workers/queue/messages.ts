import { z } from "zod";

/** Bodies of `transcode-jobs` messages. A discriminated union so new job kinds can join without guessing. */
export const TranscodeJobSchema = z.discriminatedUnion("kind", [
	z.object({
		kind: z.literal("transcode"),
		assetId: z.uuid(),
		sourceKey: z.string().min(1).max(512),
		/**
		 * How many times this job was handed back to the queue as a new message because it
		 * had to wait its turn (its owner's other videos, or every transcoder slot busy).
		 * Waiting is not failing, so it does not use up the message's retries; this bounds it instead.
		 */
		deferrals: z.number().int().min(0).max(10_000).optional(),
		/** The longest the video may be (a direct upload's maxDurationSeconds); the transcoder refuses a longer one as `too_long`. */
		maxSeconds: z.number().int().min(1).max(86_400).optional(),
		/**
		 * A clip (POST /api/videos/:id/clip): `sourceKey` is the parent video's original, and only this
		 * range of it becomes the asset, whose own original the transcoder hands back (its `source` file).
		 */
		clip: z.object({ start: z.number().min(0), end: z.number().positive() }).optional(),
	}),
]);
export type TranscodeJob = z.infer<typeof TranscodeJobSchema>;

/** What the dead-letter queue receives when a body is not a job at all. */
export interface PoisonMessage {
	kind: "poison";
	queue: string;
	error: string;
	body: unknown;
}
