// What the `mail-outbox` queue carries: which mail to send, never the mail itself. The consumer
// composes it (api/auth/account-mail.ts), so a link's token is made where it is mailed and never
// sits in a queue, and a reset request costs the request the same whether or not the address
// has an account (the consumer looks it up).
import { z } from "zod";
import { uuidv7 } from "../lib/ids/uuidv7";
import { logger } from "../lib/observability/logger";

const job = <T extends z.ZodRawShape>(shape: T) => z.object({ id: z.uuid(), ...shape });

export const MailJobSchema = z.discriminatedUnion("kind", [
	/** The link that verifies the account's current address. */
	job({ kind: z.literal("verify_email"), userId: z.uuid() }),
	/** The link, sent to the new address, that moves the account to it. */
	job({ kind: z.literal("change_email"), userId: z.uuid(), newEmail: z.email().max(254) }),
	/** To the old address: someone asked to move this account elsewhere. */
	job({ kind: z.literal("email_change_requested"), userId: z.uuid(), oldEmail: z.string().max(320), newEmail: z.email().max(254) }),
	/** A reset link, if the address has an account; nothing otherwise. */
	job({ kind: z.literal("password_reset"), email: z.string().max(320) }),
	/** To the account's address: its password was changed or reset. */
	job({ kind: z.literal("password_changed"), userId: z.uuid(), how: z.enum(["changed", "reset"]) }),
	/** To the account's address: its data export is ready, with the archive's link (signed when mailed). */
	job({ kind: z.literal("export_ready"), userId: z.uuid(), exportId: z.uuid() }),
	/** One notification, mailed because its owner was away (realtime/notification-mail.ts). */
	job({ kind: z.literal("notification"), userId: z.uuid(), notificationId: z.uuid() }),
	/** The day's notifications in one mail, for an account that asked for a digest: those since `since`. */
	job({ kind: z.literal("digest"), userId: z.uuid(), since: z.iso.datetime({ offset: true }) }),
]);
export type MailJob = z.infer<typeof MailJobSchema>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type MailRequest = DistributiveOmit<MailJob, "id">;

/** Queues the mail; throws when the queue cannot take it (the caller decides whether that fails its request). */
export async function mailLater(env: Env, request: MailRequest): Promise<void> {
	await env.MAIL_OUTBOX.send({ ...request, id: uuidv7() }, { contentType: "json" });
}

/** For mail a request should not fail over (a notice, a first verification link): a lost one is logged. */
export async function mailLaterOrLog(env: Env, request: MailRequest): Promise<void> {
	try {
		await mailLater(env, request);
	} catch (err) {
		logger.error("mail_not_queued", { kind: request.kind, error: (err as Error).message });
	}
}
