import { OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { cdnUrl } from "../../cdn/cdn-key";
import { apiRoute } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { viewerOf } from "../../lib/auth/authenticate";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";
import { problemResponses } from "../../lib/problems/problem-schema";
import { userNotFound } from "../follows/follow-store";
import { PublicProfileSchema, UserIdParamSchema } from "./user-schemas";
import { profileSeenBy } from "./user-store";

const route = apiRoute({
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

export const userProfileRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
	const { id } = c.req.valid("param");
	const me = viewerOf(c);
	const user = await profileSeenBy(c.var.db, id, me);
	if (!user) throw userNotFound();
	const avatar = user.avatar_asset_id
		? await mediaDb(c.env).query.assets.findFirst({ where: eq(assets.id, user.avatar_asset_id), columns: { r2Key: true, access: true } })
		: undefined;
	const self = me === id;
	return c.json(
		{
			id: user.id,
			name: user.name,
			bio: user.bio,
			role: user.role,
			followerCount: user.follower_count,
			followingCount: user.following_count,
			private: user.private,
			avatarUrl: avatar?.access === "public" ? cdnUrl(avatar.r2Key) : null,
			following: self ? false : user.following,
			requested: self ? false : user.requested,
			blocking: self ? false : user.blocking,
			createdAt: new Date(user.created_at).toISOString(),
		},
		200,
	);
});
