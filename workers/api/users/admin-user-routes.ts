import { OpenAPIHono, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { apiRoute, withRole } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { ROLES } from "../../lib/auth/roles";
import { announceRole } from "../../lib/auth/user-gate-client";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { PageQuerySchema, pageSchema, timeIdCursor } from "../../lib/pagination/cursor-codec";
import { pageOf } from "../../lib/pagination/page";
import { users } from "../../lib/postgres/schema";
import { problemResponses } from "../../lib/problems/problem-schema";
import { PrivateUserSchema } from "../auth/auth-schemas";
import { toPrivateUser } from "../auth/auth-service";
import { userNotFound } from "../follows/follow-store";
import { UserIdParamSchema } from "./user-schemas";
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

const setRole = apiRoute({
	method: "put",
	path: "/api/users/{id}/role",
	tags: ["users"],
	summary: "Change an account's role (admin); it applies at once, to tokens already issued too",
	...withRole("admin", jsonBody()),
	request: {
		params: UserIdParamSchema,
		body: { required: true, ...jsonContent(z.strictObject({ role: z.enum(ROLES) }).openapi("RoleChange")) },
	},
	responses: {
		200: { description: "The account", ...jsonContent(PrivateUserSchema) },
		...problemResponses(400, 401, 403, 404, 413, 415, 429, 503),
	},
});

export const adminUserRoutes = new OpenAPIHono<AppEnv>()
	.openapi(listUsers, async (c) => {
		const { cursor, limit } = c.req.valid("query");
		const rows = await accountsPage(c.var.db, cursor ? timeIdCursor.decode(cursor) : null, limit);
		const { items, nextCursor } = pageOf(rows, limit, (r) => timeIdCursor.encode({ t: r.cursorAt, i: r.user.id }));
		return c.json({ items: items.map((r) => toPrivateUser(r.user)), nextCursor }, 200);
	})
	.openapi(setRole, async (c) => {
		const { id } = c.req.valid("param");
		const { role } = c.req.valid("json");
		// Before the write: a token issued in between already carries the new role, and is left as it is.
		const at = Date.now();
		const [user] = await c.var.db.write((q) => q.update(users).set({ role, updatedAt: new Date() }).where(eq(users.id, id)).returning());
		if (!user) throw userNotFound();
		// Tokens carry the role they were issued with; the user's gate makes the new one apply to them at once.
		await announceRole(c.env, id, role, at);
		return c.json(toPrivateUser(user), 200);
	});
