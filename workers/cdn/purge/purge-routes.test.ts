import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets, imageVariants } from "../../lib/media-db/schema";
import { api, registerUser, type Session } from "../../test-support/api";
import { seedAsset } from "../../test-support/assets";
import { sampleJpeg } from "../../test-support/media";
import { setRole } from "../../test-support/roles";
import { keepVariant, variantKeyOf } from "../images/image-variants";
import { normalizeOptions, parseResizeOptions } from "../images/resize-options";

async function ownedImage(ownerId: string) {
	const { key } = await seedAsset({ bytes: sampleJpeg(), kind: "image", ownerId });
	const prefix = key.slice(0, -".jpg".length);
	await env.MEDIA.put(`${prefix}/thumb.jpg`, "t");
	await env.MEDIA.put(`${prefix}/hls/master.m3u8`, "m");
	return key;
}

const variantsOf = (key: string) => mediaDb(env).select().from(imageVariants).where(eq(imageVariants.originalKey, key));

async function asAdmin(s: Session) {
	return { "x-consistency-token": await setRole(s.user.id, "admin") };
}

describe("the R2 variant store", () => {
	it("keeps resized variants in R2, bounded per original, and serves them when the edge cache is cold", async () => {
		const key = await ownedImage(crypto.randomUUID());
		const limits = { IMAGE_MAX_VARIANTS: "2" };
		for (const w of [64, 128, 160]) expect((await api(`/img/width=${w},format=jpeg/${key}`, {}, limits)).status).toBe(200);
		// Past the cap the variant is still served, but nothing at all is written: no bytes, no index row.
		const rows = await variantsOf(key);
		expect(rows.map((r) => [r.options.split(",")[0], r.stored])).toEqual([
			["width=64", true],
			["width=128", true],
		]);
		expect(await env.MEDIA.head(rows[0]?.variantKey ?? "")).not.toBeNull();
		expect((await env.MEDIA.list({ prefix: `variants/${key}/` })).objects).toHaveLength(2);
		// Cold edge cache: the stored variant is served from R2 without resizing again.
		await caches.default.delete(new Request(`https://img.internal/${rows[0]?.options}/jpeg/${key}`));
		const again = await api(`/img/width=64,format=jpeg/${key}`, {}, limits);
		expect(again.headers.get("x-img-cache")).toBe("STORED");
	});

	it("holds the cap when one image is asked for in many sizes at once", async () => {
		const key = await ownedImage(crypto.randomUUID());
		const limits = { IMAGE_MAX_VARIANTS: "2" };
		const widths = [64, 128, 160, 240, 320, 360];
		const answers = await Promise.all(widths.map((w) => api(`/img/width=${w},format=jpeg/${key}`, {}, limits)));
		expect(answers.map((r) => r.status)).toEqual(widths.map(() => 200));
		// The cap is checked by the statement that writes the row, not by a count read before it.
		expect(await variantsOf(key)).toHaveLength(2);
		expect((await env.MEDIA.list({ prefix: `variants/${key}/` })).objects).toHaveLength(2);
	});

	it("keeps nothing of a variant whose source was taken down while it was being made", async () => {
		const key = await ownedImage(crypto.randomUUID());
		const options = normalizeOptions(parseResizeOptions("width=64,format=jpeg"));
		const bytes = new Uint8Array([1, 2, 3]);
		// The source still readable: kept, bytes and row.
		expect(await keepVariant(env, key, options, "jpeg", bytes, "image/jpeg")).toBe(true);
		expect(await variantsOf(key)).toHaveLength(1);
		// Taken down between the transform's start and its end (the row blocked first, as eraseAsset does).
		await mediaDb(env).update(assets).set({ access: "blocked" }).where(eq(assets.r2Key, key));
		const other = normalizeOptions(parseResizeOptions("width=128,format=jpeg"));
		expect(await keepVariant(env, key, other, "jpeg", bytes, "image/jpeg")).toBe(false);
		expect(await env.MEDIA.head(variantKeyOf(key, other, "jpeg"))).toBeNull();
		expect((await variantsOf(key)).map((r) => r.options)).toEqual([options]);
	});

	it("stores the bytes of a variant whose index row outlived a failed put", async () => {
		const key = await ownedImage(crypto.randomUUID());
		const options = normalizeOptions(parseResizeOptions("width=64,format=jpeg"));
		const variantKey = variantKeyOf(key, options, "jpeg");
		await mediaDb(env)
			.insert(imageVariants)
			.values({ variantKey, originalKey: key, options, format: "jpeg", bytes: 1, stored: true, createdAt: new Date().toISOString() });
		const res = await api(`/img/width=64,format=jpeg/${key}`);
		expect(res.status).toBe(200);
		expect(res.headers.get("x-img-cache")).toBe("MISS");
		expect(await env.MEDIA.head(variantKey)).not.toBeNull();
		expect(await variantsOf(key)).toHaveLength(1);
	});
});

const purge = (keys: string[], init: { token?: string; headers?: Record<string, string> } = {}) =>
	api("/cdn/cache/purge", { method: "POST", json: { keys }, ...init });

const assetIdOf = (key: string) => key.slice(key.lastIndexOf("/") + 1, key.lastIndexOf("."));

describe("POST /cdn/cache/purge (admin)", () => {
	it("purges every variant from R2, the edge cache and the index", async () => {
		const admin = await registerUser();
		const headers = await asAdmin(admin);
		const key = await ownedImage(admin.user.id);
		await api(`/img/width=64,format=jpeg/${key}`);
		await api(`/img/width=128,format=webp/${key}`);
		const before = await variantsOf(key);
		expect(before).toHaveLength(2);
		const res = await purge([key], { token: admin.accessToken, headers });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ items: [{ key, variantsPurged: 2 }] });
		expect(await variantsOf(key)).toEqual([]);
		for (const v of before) expect(await env.MEDIA.head(v.variantKey)).toBeNull();
		expect(await caches.default.match(new Request(`https://img.internal/${before[0]?.options}/jpeg/${key}`))).toBeUndefined();
		// The original itself stays.
		expect((await api(`/cdn/${key}`)).status).toBe(200);
	});

	it("is for admins only", async () => {
		const user = await registerUser();
		const key = await ownedImage(user.user.id);
		expect((await purge([key])).status).toBe(401);
		expect((await purge([key], { token: user.accessToken })).status).toBe(403);
	});

	it("takes keys only in the body, so no purge can be normalised into a delete", async () => {
		const admin = await registerUser();
		const headers = await asAdmin(admin);
		const key = await ownedImage(admin.user.id);
		// The old path-shaped purge: the runtime resolves the dot segment before routing, as Cloudflare's
		// edge does, and the request arrives as DELETE /cdn/<key>. /cdn has no DELETE any more.
		const dotted = await api(`/cdn/cache/%2e%2e/${key}`, { method: "DELETE", token: admin.accessToken, headers });
		expect(dotted.status).toBe(404);
		// A dot segment inside a body key is just an invalid key.
		expect((await purge([`../${key}`], { token: admin.accessToken, headers })).status).toBe(400);
		expect((await purge([], { token: admin.accessToken, headers })).status).toBe(400);
		expect((await api(`/cdn/${key}`)).status).toBe(200);
		expect(await mediaDb(env).query.assets.findFirst({ where: eq(assets.r2Key, key) })).toBeDefined();
	});
});

describe("DELETE /api/assets/<id>", () => {
	it("lets the owner delete the original, its derived files and its variants", async () => {
		const owner = await registerUser();
		const key = await ownedImage(owner.user.id);
		await api(`/img/width=64,format=jpeg/${key}`);
		// The thumbnail and a variant of it sit in the edge cache, as a popular upload's would.
		const thumb = key.replace(".jpg", "/thumb.jpg");
		expect((await api(`/cdn/${thumb}`)).headers.get("x-cdn-cache")).toBe("MISS");
		expect((await api(`/cdn/${thumb}`)).headers.get("x-cdn-cache")).toBe("HIT");
		expect((await api(`/cdn/${key}`)).status).toBe(200);
		const res = await api(`/api/assets/${assetIdOf(key)}`, { method: "DELETE", token: owner.accessToken });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ derivedDeleted: 2, variantsPurged: 1 });
		expect((await api(`/cdn/${key}`)).status).toBe(404);
		// Taken down means taken down: the cached thumbnail is gone too, not served as a HIT.
		const after = await api(`/cdn/${thumb}`);
		expect(after.status).toBe(404);
		expect(after.headers.get("x-cdn-cache")).toBeNull();
		expect((await api(`/img/width=64,format=jpeg/${key}`)).status).toBe(404);
		expect((await env.MEDIA.list({ prefix: key.replace(".jpg", "/") })).objects).toEqual([]);
		expect(await mediaDb(env).query.assets.findFirst({ where: eq(assets.r2Key, key) })).toBeUndefined();
	});

	it("refuses anyone else (403), anonymous callers (401) and unknown assets (404)", async () => {
		const owner = await registerUser();
		const stranger = await registerUser();
		const key = await ownedImage(owner.user.id);
		const id = assetIdOf(key);
		expect((await api(`/api/assets/${id}`, { method: "DELETE" })).status).toBe(401);
		expect((await api(`/api/assets/${id}`, { method: "DELETE", token: stranger.accessToken })).status).toBe(403);
		expect((await api(`/cdn/${key}`)).status).toBe(200);
		expect((await api(`/api/assets/${crypto.randomUUID()}`, { method: "DELETE", token: owner.accessToken })).status).toBe(404);
		expect((await api("/api/assets/not-an-id", { method: "DELETE", token: owner.accessToken })).status).toBe(400);
	});

	it("lets an admin delete anyone's asset", async () => {
		const admin = await registerUser();
		const headers = await asAdmin(admin);
		const key = await ownedImage(crypto.randomUUID());
		expect((await api(`/api/assets/${assetIdOf(key)}`, { method: "DELETE", token: admin.accessToken, headers })).status).toBe(200);
	});
});
