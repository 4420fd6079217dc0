import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq, ne } from "drizzle-orm";
import { storageUsage } from "../../cdn/upload/storage-quota";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { forgetSharedReads } from "../../lib/http/shared-reads";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { writeWithEvents } from "../../realtime/outbox";
import { forgetSessionCookies } from "../auth/auth-routes";
import { DisplayNameSchema, PrivateUserSchema } from "../auth/auth-schemas";
import { toPrivateUser } from "../auth/auth-service";
import { requestEvents } from "../request-events";
import { deleteAccount } from "./account-deletion";
import { publicImageUrl } from "./avatar-urls";
import { HandleSchema } from "./handle";
import { accountById, updateAccount } from "./user-store";

const UpdateMeSchema = z
	.strictObject({
		name: DisplayNameSchema.optional(),
		handle: HandleSchema.optional(),
		bio: z.string().trim().max(300).optional(),
		avatarAssetId: z.uuid().nullable().optional().openapi({ description: "An image asset you uploaded, or null to remove" }),
		private: z
			.boolean()
			.optional()
			.openapi({ description: "A private account approves each follower; turning it public approves every pending request" }),
	})
	.refine((b) => Object.keys(b).length > 0, "Send at least one field to change.")
	.openapi("UpdateMeRequest");

const getMe = apiRoute({
	method: "get",
	path: "/api/users/me",
	tags: ["users"],
	summary: "Your own account",
	...signedIn(),
	responses: { 200: { description: "Your account", ...jsonContent(PrivateUserSchema) }, ...problemResponses(401, 429) },
});

const patchMe = apiRoute({
	method: "patch",
	path: "/api/users/me",
	tags: ["users"],
	summary: "Change your name, handle, bio, avatar or privacy",
	...signedIn(jsonBody()),
	request: { body: { ...jsonContent(UpdateMeSchema), required: true } },
	responses: { 200: { description: "Updated", ...jsonContent(PrivateUserSchema) }, ...problemResponses(400, 401, 409, 413, 415, 429) },
});

/** The avatar must be an image asset of the caller's that did not fail processing (media plane, by id). */
async function assertOwnImage(env: Env, ownerId: string, assetId: string) {
	const asset = await mediaDb(env).query.assets.findFirst({
		where: and(eq(assets.id, assetId), eq(assets.ownerId, ownerId), eq(assets.kind, "image"), ne(assets.status, "failed")),
		columns: { id: true },
	});
	if (!asset) throw new HttpProblem(400, "invalid_avatar_asset", "avatarAssetId must be an image you uploaded.");
}

const StorageSchema = z
	.object({
		usedBytes: z.number().int().openapi({
			description:
				"Originals, what was derived from them (renditions, posters), live recordings and uploads in progress; a failed video counts until its bytes are deleted",
		}),
		quotaBytes: z.number().int(),
	})
	.openapi("StorageUsage");

const getStorage = apiRoute({
	method: "get",
	path: "/api/users/me/storage",
	tags: ["users"],
	summary: "How much of your storage quota you use",
	...signedIn(),
	responses: { 200: { description: "Usage", ...jsonContent(StorageSchema) }, ...problemResponses(401, 429) },
});

const accountGone = () => new HttpProblem(401, "invalid_token", "The account no longer exists.");

const deleteMe = apiRoute({
	method: "delete",
	path: "/api/users/me",
	tags: ["users"],
	summary: "Delete your account (the password again)",
	description:
		'At once: every session, socket and API key of the account ends, and its profile, reels, comments, likes, follows, webhooks and notifications are gone from every list and count. Its media (videos, pictures, live recordings, every derived file and cached copy) is erased within the hour. There is no undo. What is kept, without the person: docs/security.md, "Deleting an account".',
	...signedIn(jsonBody()),
	request: {
		body: {
			...jsonContent(z.strictObject({ password: z.string().min(1).max(128) }).openapi("DeleteAccountRequest")),
			required: true,
		},
	},
	responses: {
		202: {
			description: "Deleted; its media is being erased",
			...jsonContent(z.object({ status: z.literal("deleted"), mediaErasedWithinSeconds: z.number().int() }).openapi("AccountDeleted")),
		},
		...problemResponses(400, 401, 403, 404, 413, 415, 429),
	},
});

/** What the answer promises: the erasure queue's batches run within minutes; an hour covers retries. */
const MEDIA_ERASED_WITHIN_S = 3600;

export const meRoutes = new OpenAPIHono<AppEnv>()
	.openapi(getStorage, async (c) => c.json(await storageUsage(c.env, c.var.auth.sub), 200))
	.openapi(deleteMe, async (c) => {
		await deleteAccount(c.var.db, c.env, c.var.auth.sub, c.req.valid("json").password, c.req.url);
		forgetSharedReads(c);
		forgetSessionCookies(c);
		return c.json({ status: "deleted" as const, mediaErasedWithinSeconds: MEDIA_ERASED_WITHIN_S }, 202);
	})
	.openapi(getMe, async (c) => {
		const user = await accountById(c.var.db, c.var.auth.sub);
		if (!user) throw accountGone();
		return c.json(toPrivateUser(user, await publicImageUrl(c.env, user.avatarAssetId)), 200);
	})
	.openapi(patchMe, async (c) => {
		const changes = c.req.valid("json");
		if (changes.avatarAssetId) await assertOwnImage(c.env, c.var.auth.sub, changes.avatarAssetId);
		const user = await writeWithEvents(requestEvents(c), (tx, emit) => updateAccount(tx, emit, c.var.auth.sub, changes));
		if (!user) throw accountGone();
		forgetSharedReads(c);
		return c.json(toPrivateUser(user, await publicImageUrl(c.env, user.avatarAssetId)), 200);
	});
