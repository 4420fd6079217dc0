// Taking your data with you: ask for an export (the password again), list yours, and download one
// by its link (no sign-in: it is mailed, and read wherever mail is).
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import type { AccountJob } from "../../queue/account-jobs-consumer";
import { checkCurrentPassword } from "../auth/current-password";
import { verifyExportToken } from "./export-link";
import { EXPORT_EVERY_HOURS, type ExportRow, exportById, exportsOf, failExport, requestExport } from "./export-store";

const ExportSchema = z
	.object({
		id: z.uuid(),
		status: z.enum(["pending", "ready", "failed"]),
		createdAt: z.string().openapi({ format: "date-time" }),
		readyAt: z.string().nullable().openapi({ format: "date-time" }),
		expiresAt: z.string().nullable().openapi({ format: "date-time", description: "When the archive and its link are deleted" }),
		bytes: z.number().int().nullable(),
	})
	.openapi("DataExport");

/**
 * An export as listed. Never its link: the link opens everything without signing in, so it goes
 * only to the account's mailbox; a stolen access token can list exports but not take one.
 */
function toExport(e: ExportRow): z.infer<typeof ExportSchema> {
	return {
		id: e.id,
		status: e.status,
		createdAt: e.createdAt.toISOString(),
		readyAt: e.readyAt?.toISOString() ?? null,
		expiresAt: e.expiresAt?.toISOString() ?? null,
		bytes: e.bytes ?? null,
	};
}

const ask = apiRoute({
	method: "post",
	path: "/api/users/me/export",
	tags: ["users"],
	summary: "Export your data (the password again)",
	description: `Builds an archive of everything of your account (docs/exports.md has its shapes) and mails its link to your address when it is ready (the link is never in an API answer), with a notification. The password is asked because the archive holds everything: a stolen access token alone must not be enough. One export every ${EXPORT_EVERY_HOURS} hours.`,
	...signedIn(jsonBody()),
	request: {
		body: { ...jsonContent(z.strictObject({ password: z.string().min(1).max(128) }).openapi("ExportRequest")), required: true },
	},
	responses: { 202: { description: "Being built", ...jsonContent(ExportSchema) }, ...problemResponses(400, 401, 403, 404, 413, 415, 429) },
});

const list = apiRoute({
	method: "get",
	path: "/api/users/me/exports",
	tags: ["users"],
	summary: "Your data exports (the last 10)",
	...signedIn(),
	responses: {
		200: { description: "Newest first", ...jsonContent(z.object({ items: z.array(ExportSchema) }).openapi("DataExports")) },
		...problemResponses(401),
	},
});

const download = apiRoute({
	method: "get",
	path: "/api/exports/{id}/archive",
	tags: ["users"],
	summary: "Download an export's archive by its link",
	description: "The link from the mail or the list; it works until the archive's expiry, for this archive only.",
	request: { params: z.object({ id: z.uuid() }), query: z.object({ token: z.string().min(10).max(200) }) },
	responses: {
		200: { description: "The archive", content: { "application/x-tar": { schema: z.string().openapi({ format: "binary" }) } } },
		...problemResponses(400, 404),
	},
});

const notFound = () => new HttpProblem(404, "export_not_found", "No export at this link (it may have expired).");

export const exportRoutes = new OpenAPIHono<AppEnv>()
	.openapi(ask, async (c) => {
		await checkCurrentPassword(c.var.db, c.env, c.var.auth.sub, c.req.valid("json").password);
		const row = await requestExport(c.var.db, c.var.auth.sub);
		const job: AccountJob = { kind: "export", userId: c.var.auth.sub, exportId: row.id };
		try {
			await c.env.ACCOUNT_JOBS.send(job, { contentType: "json" });
		} catch (err) {
			// Nothing will build it: it must not hold the day's export either.
			await failExport(c.var.db, row.id);
			throw err;
		}
		return c.json(toExport(row), 202);
	})
	.openapi(list, async (c) => {
		const rows = await exportsOf(c.var.db, c.var.auth.sub);
		return c.json({ items: rows.map(toExport) }, 200);
	})
	.openapi(download, async (c) => {
		const { id } = c.req.valid("param");
		// A bad token is the same 404 as no export: the link tells a stranger nothing.
		if (!(await verifyExportToken(c.env, id, c.req.valid("query").token))) throw notFound();
		const row = await exportById(c.var.db, id);
		if (row?.status !== "ready" || !row.r2Key) throw notFound();
		const object = await c.env.MEDIA.get(row.r2Key);
		if (!object) throw notFound();
		return c.body(object.body, 200, {
			"content-type": "application/x-tar",
			"content-length": String(object.size),
			"content-disposition": `attachment; filename="reels-edge-export-${row.createdAt.toISOString().slice(0, 10)}.tar"`,
			"cache-control": "private, no-store",
		});
	});
