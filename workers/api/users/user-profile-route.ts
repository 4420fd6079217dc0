import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { apiRoute } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { viewerOf } from "../../lib/auth/authenticate";
import { shareWithAnonymous } from "../../lib/http/shared-reads";
import { problemResponses } from "../../lib/problems/problem-schema";
import { userNotFound } from "../follows/follow-store";
import { publicImageUrl } from "./avatar-urls";
import { HandleSchema } from "./handle";
import { type PublicProfile, PublicProfileSchema, UserIdParamSchema } from "./user-schemas";
import { type ProfileRow, profileByHandle, profileSeenBy } from "./user-store";

const byId = apiRoute({
	method: "get",
	path: "/api/users/{id}",
	tags: ["users"],
	summary: "A user's public profile",
	description:
		"Served from the read replica unless the caller's consistency token requires the primary; a profile created moments ago is found even without the token.",
	request: { params: UserIdParamSchema },
	responses: {
		200: { description: "The profile", content: { "application/json": { schema: PublicProfileSchema } } },
		...problemResponses(400, 404, 429),
	},
});

const byHandle = apiRoute({
	method: "get",
	path: "/api/users/by-handle/{handle}",
	tags: ["users"],
	summary: "A user's public profile by @handle",
	description: "Case-insensitive, with or without the `@`. The web app's `/@handle` pages read this.",
	request: { params: z.object({ handle: HandleSchema.openapi({ param: { name: "handle", in: "path" } }) }) },
	responses: {
		200: { description: "The profile", content: { "application/json": { schema: PublicProfileSchema } } },
		...problemResponses(400, 404, 429),
	},
});

/** The profile as the API shows it: the avatar's /cdn path, relations false for oneself. */
async function toPublicProfile(c: Context<AppEnv>, user: ProfileRow | undefined, me: string | null): Promise<PublicProfile> {
	if (!user) throw userNotFound();
	const avatarUrl = await publicImageUrl(c.env, user.avatar_asset_id);
	const self = me === user.id;
	return {
		id: user.id,
		name: user.name,
		handle: user.handle,
		bio: user.bio,
		role: user.role,
		followerCount: user.follower_count,
		followingCount: user.following_count,
		private: user.private,
		avatarUrl,
		following: self ? false : user.following,
		requested: self ? false : user.requested,
		blocking: self ? false : user.blocking,
		createdAt: new Date(user.created_at).toISOString(),
	};
}

export const userProfileRoutes = new OpenAPIHono<AppEnv>()
	.openapi(byHandle, async (c) => {
		const me = viewerOf(c);
		const profile = await toPublicProfile(c, await profileByHandle(c.var.db, c.req.valid("param").handle, me), me);
		shareWithAnonymous(c);
		return c.json(profile, 200);
	})
	.openapi(byId, async (c) => {
		const me = viewerOf(c);
		const profile = await toPublicProfile(c, await profileSeenBy(c.var.db, c.req.valid("param").id, me), me);
		shareWithAnonymous(c);
		return c.json(profile, 200);
	});
