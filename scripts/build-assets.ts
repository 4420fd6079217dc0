// Builds the Worker's static assets (wrangler.toml [assets]) into
// .local/assets: the web app (web/app, built by Vite) at /, and the
// self-hosted API reference at /docs (web/api-docs) with Swagger UI from the
// pinned swagger-ui-dist package, so /docs needs no third-party origin. Run by
// `npm run dev` (which rebuilds the app on change), `npm test` (check) and
// deploys; idempotent. `node scripts/build-assets.ts` builds by hand.
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
export const ASSETS_DIR = join(root, ".local/assets");
const SWAGGER_FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"];

/** Copies through a temporary name: a running `wrangler dev` never reads a half-written file. */
function place(from: string, to: string) {
	mkdirSync(dirname(to), { recursive: true });
	copyFileSync(from, `${to}.tmp`);
	renameSync(`${to}.tmp`, to);
}

/** The web app, built by Vite (web/app/vite.config.ts) into `out`. `watch`: rebuild on every change until the returned close(). */
export async function buildWebApp(out = ASSETS_DIR, { watch = false } = {}): Promise<{ close(): Promise<void> }> {
	const { build } = await import("vite");
	// Hashed file names change with every build: last build's files would otherwise pile up.
	rmSync(join(out, "app"), { recursive: true, force: true });
	const result = await build({
		configFile: join(root, "web/app/vite.config.ts"),
		logLevel: watch ? "info" : "warn",
		build: { outDir: out, ...(watch ? { watch: {} } : {}) },
	});
	const watcher = "close" in result ? result : undefined;
	return { close: async () => watcher?.close() };
}

export function buildAssets(out = ASSETS_DIR): string {
	const source = join(root, "web/api-docs");
	for (const file of readdirSync(source)) {
		// Workers static assets read _headers from the root of the assets folder.
		place(join(source, file), file === "_headers" ? join(out, "_headers") : join(out, "docs", file));
	}
	const swagger = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
	for (const file of SWAGGER_FILES) place(join(swagger, file), join(out, "docs/vendor", file));
	return out;
}

if (import.meta.main) {
	const out = buildAssets();
	await buildWebApp(out);
	console.log(`static assets built in ${out}`);
}
