import { type TranscodeJob, TranscodeJobSchema } from "./messages";

/**
 * The one way a feature asks for a transcode. Validates before sending so a
 * bad job fails at the caller, not as a poison message in the consumer.
 */
export async function enqueueTranscode(env: Env, job: Omit<TranscodeJob, "kind">): Promise<void> {
	const body = TranscodeJobSchema.parse({ kind: "transcode", ...job });
	await env.TRANSCODE_JOBS.send(body, { contentType: "json" });
}
