// The mailed links' routes: verify an address (or move the account to a new one), resend the
// verification mail, ask to change the email, and the forgotten-password pair.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { problemResponses } from "../../lib/problems/problem-schema";
import { credentialQuota } from "../../lib/rate-limit/hourly-quota";
import { EmailSchema, PasswordSchema } from "./auth-schemas";
import { followEmailLink, requestEmailChange, resendVerification, VERIFY_LINKS_PER_HOUR } from "./email-verification";
import { requestPasswordReset, resetPassword } from "./password-reset";

const LinkTokenSchema = z.string().min(20).max(100).openapi({ description: "The token from the mailed link (after #token=)" });

const verify = apiRoute({
	method: "post",
	path: "/api/auth/verify",
	tags: ["auth"],
	summary: "Follow a mailed link: verify your email, or move your account to a new one",
	description:
		"Takes the token of a verification link or of a change-email link. Each works once. Needs no sign-in: the link may be opened on another device. An address listed in `ADMIN_EMAILS` makes its account admin here, and only here.",
	middleware: [credentialQuota(), jsonBody()] as const,
	request: { body: { ...jsonContent(z.strictObject({ token: LinkTokenSchema }).openapi("VerifyEmailRequest")), required: true } },
	responses: {
		200: {
			description: "Verified",
			...jsonContent(z.object({ email: z.string(), emailVerified: z.literal(true) }).openapi("EmailVerified")),
		},
		...problemResponses(400, 409, 410, 413, 415, 429),
	},
});

const resend = apiRoute({
	method: "post",
	path: "/api/auth/verify/resend",
	tags: ["auth"],
	summary: "Mail a new verification link",
	description: `At most ${VERIFY_LINKS_PER_HOUR} verification links an hour, the first one included.`,
	...signedIn(credentialQuota()),
	responses: { 202: { description: "A link is on its way" }, ...problemResponses(401, 404, 409, 429) },
});

const changeEmail = apiRoute({
	method: "post",
	path: "/api/auth/email",
	tags: ["auth"],
	summary: "Change your email (the password first)",
	description:
		"Mails a link to the new address and a notice to the current one. The account moves, verified, when the link is followed; until then nothing changes. Wrong passwords count against the sign-in throttle; at most 3 changes an hour.",
	...signedIn(credentialQuota(), jsonBody()),
	request: {
		body: {
			...jsonContent(z.strictObject({ password: z.string().min(1).max(128), newEmail: EmailSchema }).openapi("ChangeEmailRequest")),
			required: true,
		},
	},
	responses: {
		202: { description: "A link is on its way to the new address" },
		...problemResponses(400, 401, 403, 404, 409, 413, 415, 429),
	},
});

const AcceptedSchema = z
	.object({ accepted: z.literal(true), detail: z.string() })
	.openapi("PasswordResetAccepted", { description: "The same answer for every address, with an account or without" });
const RESET_ACCEPTED = {
	accepted: true as const,
	detail: "If an account uses this address, a link to reset its password is on its way. It works once, for an hour.",
};

const askReset = apiRoute({
	method: "post",
	path: "/api/auth/password-reset",
	tags: ["auth"],
	summary: "Ask for a password reset link",
	description:
		"Always 202 with the same body, whether or not an account uses the address: the lookup happens later, in the mail queue, so neither the answer nor its time tells. An account is mailed at most 3 links an hour.",
	middleware: [credentialQuota(), jsonBody()] as const,
	request: { body: { ...jsonContent(z.strictObject({ email: EmailSchema }).openapi("PasswordResetRequest")), required: true } },
	responses: { 202: { description: "Accepted", ...jsonContent(AcceptedSchema) }, ...problemResponses(400, 413, 415, 429) },
});

const confirmReset = apiRoute({
	method: "post",
	path: "/api/auth/password-reset/confirm",
	tags: ["auth"],
	summary: "Set a new password with a mailed reset link",
	description:
		"The link works once and for an hour. Every session and socket of the account ends; sign in with the new password. It also verifies the address.",
	middleware: [credentialQuota(), jsonBody()] as const,
	request: {
		body: {
			...jsonContent(z.strictObject({ token: LinkTokenSchema, password: PasswordSchema }).openapi("PasswordResetConfirm")),
			required: true,
		},
	},
	responses: {
		200: {
			description: "The password is set",
			...jsonContent(z.object({ endedSessions: z.number().int() }).openapi("PasswordResetDone")),
		},
		...problemResponses(400, 410, 413, 415, 429),
	},
});

export const emailRoutes = new OpenAPIHono<AppEnv>()
	.openapi(verify, async (c) => {
		const { email } = await followEmailLink(c.var.db, c.env, c.req.valid("json").token);
		return c.json({ email, emailVerified: true as const }, 200);
	})
	.openapi(resend, async (c) => {
		await resendVerification(c.var.db, c.env, c.var.auth.sub);
		return c.body(null, 202);
	})
	.openapi(changeEmail, async (c) => {
		const { password, newEmail } = c.req.valid("json");
		await requestEmailChange(c.var.db, c.env, c.var.auth.sub, password, newEmail);
		return c.body(null, 202);
	})
	.openapi(askReset, async (c) => {
		await requestPasswordReset(c.env, c.req.valid("json").email);
		return c.json(RESET_ACCEPTED, 202);
	})
	.openapi(confirmReset, async (c) => {
		const { token, password } = c.req.valid("json");
		return c.json(await resetPassword(c.var.db, c.env, token, password), 200);
	});
