import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq, lt, or } from "drizzle-orm";
import type { AppEnv } from "../../lib/app/app-env";
import { requireRole } from "../../lib/auth/authenticate";
import { decodeCursor, encodeCursor, PageQuerySchema } from "../../lib/pagination/keyset-cursor";
import { pageOf } from "../../lib/pagination/page";
import { users } from "../../lib/postgres/schema";
import { problemResponses } from "../../lib/problems/problem-schema";
import { PrivateUserSchema } from "../auth/auth-schemas";
import { toPrivateUser } from "../auth/auth-service";

const UserPageSchema = z.object({ items: z.array(PrivateUserSchema), nextCursor: z.string().nullable() }).openapi("UserPage");

const listUsers = createRoute({
	method: "get",
	path: "/api/users",
	tags: ["users"],
	summary: "All accounts, newest first (admin)",
	security: [{ bearer: [] }],
	middleware: [requireRole("admin")] as const,
	request: { query: PageQuerySchema },
	responses: {
		200: { description: "A page", content: { "application/json": { schema: UserPageSchema } } },
		...problemResponses(400, 401, 403, 429),
	},
});

export const adminUserRoutes = new OpenAPIHono<AppEnv>().openapi(listUsers, async (c) => {
	const { cursor, limit } = c.req.valid("query");
	const after = cursor ? decodeCursor(cursor) : undefined;
	// One indexed keyset query: (created_at, id) strictly after the cursor, newest first.
	const rows = await c.var.db.read((q) =>
		q
			.select()
			.from(users)
			.where(
				after ? or(lt(users.createdAt, after.createdAt), and(eq(users.createdAt, after.createdAt), lt(users.id, after.id))) : undefined,
			)
			.orderBy(desc(users.createdAt), desc(users.id))
			.limit(limit + 1),
	);
	const { items, nextCursor } = pageOf(rows, limit, (r) => encodeCursor({ createdAt: r.createdAt, id: r.id }));
	return c.json({ items: items.map(toPrivateUser), nextCursor }, 200);
});
