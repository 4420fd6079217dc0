// The web app (docs/architecture.md#the-web-app): Preact + Tailwind, built by
// Vite into the Worker's static assets (.local/assets), next to /docs.
import preact from "@preact/preset-vite";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig } from "vite";

export default defineConfig({
	root: import.meta.dirname,
	plugins: [preact(), tailwindcss()],
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
