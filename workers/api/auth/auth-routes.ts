import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { configOf } from "../../lib/config/config";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { credentialQuota } from "../../lib/rate-limit/hourly-quota";
import { mailLaterOrLog } from "../../mail/mail-jobs";
import { publicImageUrl } from "../users/avatar-urls";
import { LoginBodySchema, PasswordSchema, RefreshBodySchema, RegisterBodySchema, SessionSchema, TokenPairSchema } from "./auth-schemas";
import { checkCredentials, endSession, registerUser, rotateRefreshToken, startSession, toPrivateUser } from "./auth-service";
import { changePassword } from "./password-change";
import { sessionEnded } from "./session-ended";

const register = apiRoute({
	method: "post",
	path: "/api/auth/register",
	tags: ["auth"],
	summary: "Create an account and sign in",
	description:
		"Every account starts as `user`, its email unverified: a link to verify it is mailed at once. Other roles come from an operator (`npm run role:grant`) or from verifying an address listed in `ADMIN_EMAILS`, never from registering.",
	middleware: [credentialQuota(), jsonBody()] as const,
	request: { body: { ...jsonContent(RegisterBodySchema), required: true } },
	responses: { 201: { description: "Signed in", ...jsonContent(SessionSchema) }, ...problemResponses(400, 409, 413, 415, 429) },
});

const login = apiRoute({
	method: "post",
	path: "/api/auth/login",
	tags: ["auth"],
	summary: "Sign in with email and password",
	middleware: [credentialQuota(), jsonBody()] as const,
	request: { body: { ...jsonContent(LoginBodySchema), required: true } },
	responses: { 200: { description: "Signed in", ...jsonContent(SessionSchema) }, ...problemResponses(400, 401, 413, 415, 429) },
});

const refresh = apiRoute({
	method: "post",
	path: "/api/auth/refresh",
	tags: ["auth"],
	summary: "Trade a refresh token for a new token pair",
	description: "Each refresh token works once. Presenting a used one revokes its whole session.",
	middleware: [jsonBody()] as const,
	request: { body: { ...jsonContent(RefreshBodySchema), required: true } },
	responses: { 200: { description: "A new pair", ...jsonContent(TokenPairSchema) }, ...problemResponses(400, 401, 413, 415, 429) },
});

const logout = apiRoute({
	method: "post",
	path: "/api/auth/logout",
	tags: ["auth"],
	summary: "End this session",
	description: "The access token is refused from now on, before its expiry, and the session's refresh tokens with it.",
	...signedIn(),
	responses: { 204: { description: "Signed out" }, ...problemResponses(401, 429) },
});

const ChangePasswordSchema = z
	.strictObject({ currentPassword: z.string().min(1).max(128), newPassword: PasswordSchema })
	.refine((b) => b.currentPassword !== b.newPassword, {
		message: "The new password must differ from the current one.",
		path: ["newPassword"],
	})
	.openapi("ChangePasswordRequest");

const changePasswordRoute = apiRoute({
	method: "post",
	path: "/api/auth/password",
	tags: ["auth"],
	summary: "Change your password (the current one first); every other session ends",
	description:
		"Every other session of the account ends at once: its access tokens are refused, its sockets closed, its refresh tokens dead. This session goes on with the access token in the answer. Wrong current passwords count against the same throttle as sign-ins.",
	...signedIn(jsonBody()),
	request: { body: { ...jsonContent(ChangePasswordSchema), required: true } },
	responses: {
		200: {
			description: "Changed",
			...jsonContent(
				z
					.object({
						accessToken: z.string(),
						tokenType: z.literal("Bearer"),
						expiresIn: z.number().int(),
						endedSessions: z.number().int().openapi({ description: "Other sessions ended" }),
					})
					.openapi("PasswordChanged"),
			),
		},
		...problemResponses(400, 401, 403, 404, 413, 415, 429),
	},
});

/**
 * Browsers get the refresh token as an httpOnly cookie too, scoped to /api/auth: the web app
 * never holds it in script-readable storage (an XSS cannot take it), and SameSite=Strict keeps
 * other sites from spending it. API clients keep using the body.
 */
const REFRESH_COOKIE = "reels_rt";
/**
 * A script-readable hint, holding no secret, that a refresh cookie was set: the web app asks
 * /api/auth/refresh on load only when it is there, so a visitor who never signed in causes no
 * 401 (a console error in every browser) on every page.
 */
const SIGNED_IN_COOKIE = "reels_signed_in";

function keepRefreshCookie(c: Context<AppEnv>, refreshToken: string) {
	const maxAge = configOf(c.env).REFRESH_TOKEN_TTL_SECONDS;
	setCookie(c, REFRESH_COOKIE, refreshToken, { httpOnly: true, secure: true, sameSite: "Strict", path: "/api/auth", maxAge });
	setCookie(c, SIGNED_IN_COOKIE, "1", { secure: true, sameSite: "Lax", path: "/", maxAge });
}

/** The browser forgets its session: the refresh cookie and the signed-in hint (logout, account deletion). */
export function forgetSessionCookies(c: Context) {
	deleteCookie(c, REFRESH_COOKIE, { path: "/api/auth", secure: true });
	deleteCookie(c, SIGNED_IN_COOKIE, { path: "/", secure: true });
}

export const authRoutes = new OpenAPIHono<AppEnv>()
	.openapi(register, async (c) => {
		const body = c.req.valid("json");
		const user = await registerUser(c.var.db, body);
		// The account exists whatever happens to this mail; a lost one can be sent again (verify/resend).
		await mailLaterOrLog(c.env, { kind: "verify_email", userId: user.id });
		const tokens = await startSession(c.var.db, c.env, user);
		keepRefreshCookie(c, tokens.refreshToken);
		return c.json({ ...tokens, user: toPrivateUser(user) }, 201);
	})
	.openapi(login, async (c) => {
		const { email, password } = c.req.valid("json");
		const user = await checkCredentials(c.var.db, c.env, email, password);
		const tokens = await startSession(c.var.db, c.env, user);
		keepRefreshCookie(c, tokens.refreshToken);
		return c.json({ ...tokens, user: toPrivateUser(user, await publicImageUrl(c.env, user.avatarAssetId)) }, 200);
	})
	.openapi(refresh, async (c) => {
		const refreshToken = c.req.valid("json").refreshToken ?? getCookie(c, REFRESH_COOKIE);
		if (!refreshToken) throw new HttpProblem(401, "refresh_token_required", "Sign in again: no refresh token came with the request.");
		const pair = await rotateRefreshToken(c.var.db, c.env, refreshToken);
		keepRefreshCookie(c, pair.refreshToken);
		return c.json(pair, 200);
	})
	.openapi(changePasswordRoute, async (c) => {
		const { currentPassword, newPassword } = c.req.valid("json");
		const changed = await changePassword(
			c.var.db,
			c.env,
			{ userId: c.var.auth.sub, sessionId: c.var.auth.sid },
			{ current: currentPassword, next: newPassword },
		);
		return c.json(changed, 200);
	})
	.openapi(logout, async (c) => {
		// The gate first: if it cannot be told, nothing is revoked yet and the logout can be retried whole.
		await sessionEnded(c.env, c.var.auth.sub, c.var.auth.sid);
		await endSession(c.var.db, c.var.auth.sid);
		forgetSessionCookies(c);
		return c.body(null, 204);
	});
