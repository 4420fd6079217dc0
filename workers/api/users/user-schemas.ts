import { z } from "@hono/zod-openapi";
import { ROLES } from "../../lib/auth/roles";

export const UserIdParamSchema = z.object({
	id: z.uuid().openapi({ param: { name: "id", in: "path" }, example: "0190f1c4-6f1a-7c3e-9d2b-5b8e0c1a2b3c" }),
});

export const PublicProfileSchema = z
	.object({
		id: z.uuid(),
		name: z.string(),
		handle: z.string().openapi({ description: "The @handle, without the @" }),
		bio: z.string(),
		role: z.enum(ROLES),
		followerCount: z.number().int(),
		followingCount: z.number().int(),
		avatarUrl: z.string().nullable().openapi({ description: "A /cdn path of the avatar image, or null" }),
		private: z.boolean().openapi({ description: "A private account approves its followers; only they see its followers-only reels" }),
		following: z.boolean().nullable().openapi({ description: "Whether the caller follows this user (null when anonymous)" }),
		requested: z
			.boolean()
			.nullable()
			.openapi({ description: "Whether the caller's request to follow waits for approval (null when anonymous)" }),
		blocking: z.boolean().nullable().openapi({ description: "Whether the caller blocked this user (null when anonymous)" }),
		createdAt: z.string().openapi({ format: "date-time" }),
	})
	.openapi("PublicProfile");
export type PublicProfile = z.infer<typeof PublicProfileSchema>;
