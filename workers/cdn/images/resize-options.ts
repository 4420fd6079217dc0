// Cloudflare's image option grammar (`width=320,fit=cover,format=auto`), parsed
// strictly: unknown or repeated options, values out of range or outside the
// fixed sets are a 400, never silently dropped. Pure, so it is unit-tested.
import { HttpProblem } from "../../lib/problems/http-problem";

export const FITS = ["scale-down", "contain", "cover", "crop", "pad"] as const;
export const GRAVITIES = ["auto", "center", "left", "right", "top", "bottom"] as const;
export const FORMATS = ["auto", "avif", "webp", "jpeg", "png"] as const;
export const QUALITIES = [40, 50, 60, 70, 75, 80, 85, 90, 95] as const;
export const MAX_DIMENSION_PX = 4096;
export const MAX_DPR = 3;
/** Sizes anyone may ask for; any other size needs a signed URL (image-url-signature.ts). */
export const ALLOWED_SIZES = [64, 128, 160, 240, 320, 360, 480, 540, 640, 720, 960, 1080, 1280, 1440, 1920] as const;
/**
 * The rest of the unsigned option space, narrowed to what pages use (srcset
 * widths, cover crops, three qualities): every allowed combination is a
 * variant a stranger can make us compute, so there are few of them.
 */
export const UNSIGNED_QUALITIES = [60, 75, 85] as const;
export const UNSIGNED_FITS = ["scale-down", "cover"] as const;
export const UNSIGNED_GRAVITIES = ["center", "auto"] as const;

export interface ResizeOptions {
	width?: number;
	height?: number;
	fit: (typeof FITS)[number];
	gravity: (typeof GRAVITIES)[number];
	format: (typeof FORMATS)[number];
	quality: (typeof QUALITIES)[number];
	dpr: number;
}

const bad = (detail: string) => new HttpProblem(400, "invalid_resize_options", detail);

function oneOf<T extends string | number>(name: string, value: T, allowed: readonly T[]): T {
	if (!allowed.includes(value)) throw bad(`${name} must be one of ${allowed.join(", ")}.`);
	return value;
}

function dimension(name: string, raw: string): number {
	if (!/^\d{1,5}$/.test(raw)) throw bad(`${name} must be a whole number of pixels.`);
	const n = Number(raw);
	if (n < 1 || n > MAX_DIMENSION_PX) throw bad(`${name} must be between 1 and ${MAX_DIMENSION_PX}.`);
	return n;
}

export function parseResizeOptions(text: string): ResizeOptions {
	if (text.length > 200) throw bad("The options are too long.");
	const opts: ResizeOptions = { fit: "scale-down", gravity: "center", format: "auto", quality: 85, dpr: 1 };
	const seen = new Set<string>();
	for (const part of text.split(",")) {
		const [name = "", value = "", extra] = part.split("=");
		if (!name || extra !== undefined || value === "") throw bad(`"${part}" is not name=value.`);
		if (seen.has(name)) throw bad(`${name} is given twice.`);
		seen.add(name);
		switch (name) {
			case "width":
			case "w":
				opts.width = dimension("width", value);
				break;
			case "height":
			case "h":
				opts.height = dimension("height", value);
				break;
			case "fit":
				opts.fit = oneOf("fit", value as ResizeOptions["fit"], FITS);
				break;
			case "gravity":
				opts.gravity = oneOf("gravity", value as ResizeOptions["gravity"], GRAVITIES);
				break;
			case "format":
				opts.format = oneOf("format", value as ResizeOptions["format"], FORMATS);
				break;
			case "quality":
			case "q":
				opts.quality = oneOf("quality", Number(value) as ResizeOptions["quality"], QUALITIES);
				break;
			case "dpr": {
				const dpr = Number(value);
				if (!/^\d(\.\d)?$/.test(value) || dpr < 1 || dpr > MAX_DPR) throw bad(`dpr must be between 1 and ${MAX_DPR}, in steps of 0.1.`);
				opts.dpr = dpr;
				break;
			}
			default:
				throw new HttpProblem(400, "unknown_resize_option", `Unknown option "${name}".`);
		}
	}
	if (opts.width === undefined && opts.height === undefined) throw bad("Give a width or a height.");
	for (const side of [opts.width, opts.height]) {
		if (side !== undefined && Math.round(side * opts.dpr) > MAX_DIMENSION_PX)
			throw bad(`width and height times dpr must stay within ${MAX_DIMENSION_PX}.`);
	}
	return opts;
}

/** Pixel size after dpr. */
export const outputSize = (o: ResizeOptions) => ({
	width: o.width === undefined ? undefined : Math.round(o.width * o.dpr),
	height: o.height === undefined ? undefined : Math.round(o.height * o.dpr),
});

/** One spelling per meaning: the cache key and the signed string. */
export function normalizeOptions(o: ResizeOptions): string {
	const { width, height } = outputSize(o);
	return [
		width !== undefined ? `width=${width}` : "",
		height !== undefined ? `height=${height}` : "",
		`fit=${o.fit}`,
		`gravity=${o.gravity}`,
		`format=${o.format}`,
		`quality=${o.quality}`,
	]
		.filter(Boolean)
		.join(",");
}

/** Allow-listed options need no signature; `anySize` (the seed route) lifts only the size list. */
export function isAllowListed(o: ResizeOptions, { anySize = false } = {}): boolean {
	const { width, height } = outputSize(o);
	const ok = (n: number | undefined) => n === undefined || anySize || (ALLOWED_SIZES as readonly number[]).includes(n);
	return (
		ok(width) &&
		ok(height) &&
		(UNSIGNED_QUALITIES as readonly number[]).includes(o.quality) &&
		(UNSIGNED_FITS as readonly string[]).includes(o.fit) &&
		(UNSIGNED_GRAVITIES as readonly string[]).includes(o.gravity)
	);
}

/** `format=auto`: AVIF, then WebP, when the client says it takes them; else JPEG. */
export function negotiateFormat(format: ResizeOptions["format"], accept: string | undefined): "avif" | "webp" | "jpeg" | "png" {
	if (format !== "auto") return format;
	const a = accept ?? "";
	if (a.includes("image/avif")) return "avif";
	if (a.includes("image/webp")) return "webp";
	return "jpeg";
}
