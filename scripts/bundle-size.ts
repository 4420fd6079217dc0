// Fails when the Worker bundle `wrangler deploy --dry-run --outdir .local/dist`
// wrote would be refused at upload. Workers Paid takes up to 10 MB after
// compression (Free: 3 MB; developers.cloudflare.com/workers/platform/limits/#worker-size);
// this product needs Paid (Queues, Containers). The measured figure is gzip of
// every module, as the upload is measured. Run by `npm run check` (so `npm test`)
// and by CI before a deploy.
//   node scripts/bundle-size.ts [dir]
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

/** 10 MB, the Paid plan's limit after compression (decimal megabytes, the stricter reading). */
export const COMPRESSED_LIMIT_BYTES = 10_000_000;

export interface BundleSize {
	files: number;
	rawBytes: number;
	gzipBytes: number;
}

/** Sizes of the JavaScript and WebAssembly modules under `dir` (source maps and metadata are not uploaded as code). */
export function measureBundle(dir: string): BundleSize {
	const modules: string[] = [];
	const walk = (d: string) => {
		for (const name of readdirSync(d)) {
			const path = join(d, name);
			if (statSync(path).isDirectory()) walk(path);
			else if (/\.(m?js|wasm)$/.test(name)) modules.push(path);
		}
	};
	walk(dir);
	if (modules.length === 0) throw new Error(`no bundle in ${dir}: run npm run build:dry first`);
	let rawBytes = 0;
	let gzipBytes = 0;
	for (const path of modules) {
		const bytes = readFileSync(path);
		rawBytes += bytes.length;
		gzipBytes += gzipSync(bytes, { level: 9 }).length;
	}
	return { files: modules.length, rawBytes, gzipBytes };
}

/** The verdict line, and whether it passes. */
export function judgeBundle(size: BundleSize, limit = COMPRESSED_LIMIT_BYTES): { ok: boolean; line: string } {
	const mb = (n: number) => `${(n / 1_000_000).toFixed(2)} MB`;
	const share = ((size.gzipBytes / limit) * 100).toFixed(1);
	return {
		ok: size.gzipBytes <= limit,
		line: `worker bundle: ${size.files} modules, ${mb(size.rawBytes)} raw, ${mb(size.gzipBytes)} gzip = ${share}% of the ${mb(limit)} limit`,
	};
}

if (import.meta.main) {
	const dir = resolve(process.argv[2] ?? ".local/dist");
	const verdict = judgeBundle(measureBundle(dir));
	console.log(verdict.line);
	if (!verdict.ok) {
		console.error("the bundle is over the Workers size limit: Cloudflare would refuse this deploy");
		process.exit(1);
	}
}
