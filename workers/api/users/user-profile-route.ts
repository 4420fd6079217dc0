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
import { profileById, relationTo } from "./user-store";

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
	const user = await profileById(c.var.db, id);
	if (!user) throw userNotFound();
	const me = viewerOf(c);
	const { avatarAssetId, ...profile } = user;
	const avatar = avatarAssetId
		? await mediaDb(c.env).query.assets.findFirst({ where: eq(assets.id, avatarAssetId), columns: { r2Key: true, access: true } })
		: undefined;
	return c.json(
		{
			...profile,
			avatarUrl: avatar?.access === "public" ? cdnUrl(avatar.r2Key) : null,
			...(me && me !== id
				? await relationTo(c.var.db, me, id)
				: me
					? { following: false, requested: false, blocking: false }
					: { following: null, requested: null, blocking: null }),
			createdAt: user.createdAt.toISOString(),
		},
		200,
	);
});
