import { z } from "zod";

/** Bodies of `transcode-jobs` messages. A discriminated union so new job kinds can join without guessing. */
export const TranscodeJobSchema = z.discriminatedUnion("kind", [
	z.object({
		kind: z.literal("transcode"),
		assetId: z.uuid(),
		sourceKey: z.string().min(1).max(512),
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
