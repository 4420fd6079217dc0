import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { AppEnv } from "../../lib/app/app-env";
import { users } from "../../lib/postgres/schema";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { PublicProfileSchema, UserIdParamSchema } from "./user-schemas";

const route = createRoute({
	method: "get",
	path: "/api/users/{id}",
	tags: ["users"],
	summary: "A user's public profile",
	description: "Served from the read replica unless the caller's consistency token requires the primary.",
	request: { params: UserIdParamSchema },
	responses: {
		200: { description: "The profile", content: { "application/json": { schema: PublicProfileSchema } } },
		...problemResponses(400, 404, 429),
	},
});

export const userProfileRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
	const { id } = c.req.valid("param");
	const user = await c.var.db.readById(id, (q) =>
		q.query.users.findFirst({
			where: eq(users.id, id),
			columns: { id: true, name: true, bio: true, role: true, createdAt: true },
		}),
	);
	if (!user) throw new HttpProblem(404, "user_not_found", "No user with that id.");
	return c.json({ ...user, createdAt: user.createdAt.toISOString() }, 200);
});
