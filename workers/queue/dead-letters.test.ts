// Dead-letter queues: every queue whose messages may run out of tries has one, and nothing in them
// vanishes silently. Transcode jobs: transcode-consumer.test.ts; here, mail and account jobs.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { consumeAccountDeadLetters, ERASURE_RETRY_AFTER_S } from "./account-dead-letters";
import { consumerOf } from "./index";
import { consumeMailDeadLetters } from "./mail-dead-letters";

/** The real ACCOUNT_JOBS binding, with what is sent through it recorded. */
function recordingAccountJobs() {
	const sent: { body: unknown; options: QueueSendOptions | undefined }[] = [];
	const queue = env.ACCOUNT_JOBS;
	const recordingQueue: Queue<unknown> = {
		metrics: () => queue.metrics(),
		send: (body, options) => {
			sent.push({ body, options });
			return queue.send(body, options);
		},
		sendBatch: (messages, options) => queue.sendBatch(messages, options),
	};
	return { env: { ...env, ACCOUNT_JOBS: recordingQueue }, sent };
}

const message = (id: string, body: unknown) => ({ id, timestamp: new Date(), attempts: 21, body });

describe("dead-letter queues", () => {
	it("route each queue's dead letters to their own consumer, in every environment", () => {
		expect(consumerOf("transcode-jobs-dlq")).toBe("dead_letters");
		expect(consumerOf("transcode-jobs-staging-dlq")).toBe("dead_letters");
		expect(consumerOf("mail-outbox-dlq")).toBe("mail_dead_letters");
		expect(consumerOf("mail-outbox-staging-dlq")).toBe("mail_dead_letters");
		expect(consumerOf("account-jobs-dlq")).toBe("account_dead_letters");
		expect(consumerOf("account-jobs-staging-dlq")).toBe("account_dead_letters");
		// A dead letter never goes back to the consumer that gave up on it.
		expect(consumerOf("mail-outbox-staging")).toBe("mail");
		expect(consumerOf("account-jobs")).toBe("account");
		// No such queue is configured: a deploy mistake, answered by retrying (handleQueue).
		expect(consumerOf("cache-purges-dlq")).toBeUndefined();
	});

	it("send a deleted account's erasure back, half a day later, instead of dropping it", async () => {
		const { env: recording, sent } = recordingAccountJobs();
		const erase = { kind: "erase_media", userId: crypto.randomUUID(), requestUrl: "http://localhost/api/users/me" };
		const batch = createMessageBatch("account-jobs-dlq", [message("erase", erase)]);
		const ctx = createExecutionContext();
		await consumeAccountDeadLetters(batch, recording);
		expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["erase"]);
		expect(sent).toEqual([{ body: erase, options: { contentType: "json", delaySeconds: ERASURE_RETRY_AFTER_S } }]);
		// Queues take a delay of at most 12 hours.
		expect(ERASURE_RETRY_AFTER_S).toBeLessThanOrEqual(43_200);
	});

	it("log and let go of an export (already marked failed) and of a body that was never a job", async () => {
		const { env: recording, sent } = recordingAccountJobs();
		const batch = createMessageBatch("account-jobs-dlq", [
			message("export", { kind: "export", userId: crypto.randomUUID(), exportId: crypto.randomUUID() }),
			message("junk", { nonsense: true }),
		]);
		const ctx = createExecutionContext();
		await consumeAccountDeadLetters(batch, recording);
		expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(["export", "junk"]);
		expect(sent).toEqual([]);
	});

	it("give up a mail whose tries ran out (acknowledged, logged), whatever its body", async () => {
		const batch = createMessageBatch("mail-outbox-dlq", [
			message("mail", { kind: "verify_email", id: crypto.randomUUID(), userId: crypto.randomUUID() }),
			message("junk", "not a mail job"),
		]);
		const ctx = createExecutionContext();
		await consumeMailDeadLetters(batch);
		expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(["junk", "mail"]);
	});
});
