import { z } from "@hono/zod-openapi";
import { ROLES } from "../../lib/auth/roles";

export const UserIdParamSchema = z.object({
	id: z.uuid().openapi({ param: { name: "id", in: "path" }, example: "0190f1c4-6f1a-7c3e-9d2b-5b8e0c1a2b3c" }),
});

export const PublicProfileSchema = z
	.object({
		id: z.uuid(),
		name: z.string(),
		bio: z.string(),
		role: z.enum(ROLES),
		createdAt: z.string().openapi({ format: "date-time" }),
	})
	.openapi("PublicProfile");
export type PublicProfile = z.infer<typeof PublicProfileSchema>;
