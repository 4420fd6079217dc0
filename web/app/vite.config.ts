// The web app (docs/architecture.md#the-web-app): Preact + Tailwind, built by
// Vite into the Worker's static assets (.local/assets), next to /docs.
import preact from "@preact/preset-vite";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig, type Plugin } from "vite";

/**
 * The app plays video on most visits, and hls.js (about 115 KB) is imported on demand: found only once its
 * own script ran, it arrived after the first playlists on a cold start and held back the first
 * segment (docs/benchmarks.md, "Swipes"). A modulepreload link makes the browser fetch and compile it
 * beside the page's script.
 */
function preloadHlsJs(): Plugin {
	return {
		name: "reels-edge:preload-hls.js",
		transformIndexHtml: {
			order: "post",
			handler(_html, ctx) {
				// The app shell only: the embed player plays through the browser's own HLS where it can (Safari).
				if (ctx.filename.endsWith("embed/index.html")) return [];
				const chunk = Object.values(ctx.bundle ?? {}).find(
					(c) => c.type === "chunk" && c.isDynamicEntry && c.moduleIds.some((id) => id.includes("/node_modules/hls.js/")),
				);
				return chunk
					? [{ tag: "link", attrs: { rel: "modulepreload", crossorigin: true, href: `/${chunk.fileName}` }, injectTo: "head" }]
					: [];
			},
		},
	};
}

export default defineConfig({
	root: import.meta.dirname,
	plugins: [preact(), tailwindcss(), preloadHlsJs()],
	build: {
		outDir: "../../.local/assets",
		// /docs (the API reference) is built into the same folder by scripts/build-assets.ts.
		emptyOutDir: false,
		target: "es2022",
		sourcemap: true,
		assetsDir: "app",
		// Two pages: the web app, and the embed player's template (served only by the Worker, at /embed/:id).
		rollupOptions: {
			input: { app: `${import.meta.dirname}/index.html`, embed: `${import.meta.dirname}/embed/index.html` },
		},
	},
});
