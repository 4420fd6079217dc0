import { OpenAPIHono } from "@hono/zod-openapi";
import { apiRoute, withRole } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { PageQuerySchema, pageSchema, timeIdCursor } from "../../lib/pagination/cursor-codec";
import { pageOf } from "../../lib/pagination/page";
import { problemResponses } from "../../lib/problems/problem-schema";
import { PrivateUserSchema } from "../auth/auth-schemas";
import { toPrivateUser } from "../auth/auth-service";
import { accountsPage } from "./user-store";

const UserPageSchema = pageSchema(PrivateUserSchema, "UserPage");

const listUsers = apiRoute({
	method: "get",
	path: "/api/users",
	tags: ["users"],
	summary: "All accounts, newest first (admin)",
	...withRole("admin"),
	request: { query: PageQuerySchema },
	responses: {
		200: { description: "A page", content: { "application/json": { schema: UserPageSchema } } },
		...problemResponses(400, 401, 403, 429),
	},
});

export const adminUserRoutes = new OpenAPIHono<AppEnv>().openapi(listUsers, async (c) => {
	const { cursor, limit } = c.req.valid("query");
	const rows = await accountsPage(c.var.db, cursor ? timeIdCursor.decode(cursor) : null, limit);
	const { items, nextCursor } = pageOf(rows, limit, (r) => timeIdCursor.encode({ t: r.cursorAt, i: r.user.id }));
	return c.json({ items: items.map((r) => toPrivateUser(r.user)), nextCursor }, 200);
});
