import { z } from "@hono/zod-openapi";
import { ROLES } from "../../lib/auth/roles";

/** The password rule, stated once: shown in errors and in the OpenAPI description. */
export const PASSWORD_RULE = "10 to 128 characters, with at least one letter and at least one digit or symbol";

export const EmailSchema = z
	.email()
	.max(254)
	.transform((e) => e.trim().toLowerCase())
	.openapi({ example: "ada@example.com" });

export const PasswordSchema = z
	.string()
	.min(10, `The password must be ${PASSWORD_RULE}.`)
	.max(128, `The password must be ${PASSWORD_RULE}.`)
	.refine((p) => /\p{L}/u.test(p) && /[^\p{L}]/u.test(p), `The password must be ${PASSWORD_RULE}.`)
	.openapi({ description: `Rule: ${PASSWORD_RULE}.`, example: "correct horse 9" });

export const DisplayNameSchema = z.string().trim().min(1).max(80).openapi({ example: "Ada Lovelace" });

export const RegisterBodySchema = z
	.strictObject({ email: EmailSchema, password: PasswordSchema, name: DisplayNameSchema })
	.openapi("RegisterRequest");

export const LoginBodySchema = z.strictObject({ email: EmailSchema, password: z.string().min(1).max(128) }).openapi("LoginRequest");

export const RefreshBodySchema = z
	.strictObject({
		refreshToken: z
			.string()
			.min(20)
			.max(200)
			.optional()
			.openapi({ description: "Left out by browsers: the httpOnly `reels_rt` cookie set at sign-in carries it instead" }),
	})
	.openapi("RefreshRequest");

export const PrivateUserSchema = z
	.object({
		id: z.uuid(),
		email: z.string(),
		emailVerified: z.boolean().openapi({
			description: "Whether the owner followed the link mailed to `email`. Until then: a few reels at most, no live streams.",
		}),
		name: z.string(),
		handle: z.string().openapi({ description: "Your @handle (without the @); your profile is at /@handle" }),
		nextHandleChangeAt: z
			.string()
			.nullable()
			.openapi({ format: "date-time", description: "When you may change your handle again; null: now" }),
		bio: z.string(),
		role: z.enum(ROLES),
		avatarAssetId: z.uuid().nullable(),
		avatarUrl: z
			.string()
			.nullable()
			.openapi({ description: "A /cdn path of the avatar image (null without one; always null in the admin list)" }),
		private: z.boolean(),
		createdAt: z.string().openapi({ format: "date-time" }),
	})
	.openapi("PrivateUser");
export type PrivateUser = z.infer<typeof PrivateUserSchema>;

export const TokenPairSchema = z
	.object({
		accessToken: z.string(),
		refreshToken: z.string(),
		tokenType: z.literal("Bearer"),
		expiresIn: z.number().int().openapi({ description: "Seconds until the access token expires" }),
	})
	.openapi("TokenPair");

export const SessionSchema = TokenPairSchema.extend({ user: PrivateUserSchema }).openapi("Session");
