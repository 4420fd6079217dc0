// What an Images binding failure means for the caller. The binding throws an
// error whose numeric `code` is Cloudflare's (developers.cloudflare.com/images/reference/errors/).
// Some are about the image (not one, damaged, too large, a format the account
// may not read): the client's to fix, a 4xx. The rest are about the account or
// the service (the Free plan's 5,000 transformations a month spent: 9422 or
// 9423; access denied; the colo too busy): nothing is wrong with the image, so
// they must never read as "damaged": 503 `images_unavailable`, try again later.
import { HttpProblem } from "../../lib/problems/http-problem";

/**
 * Codes that say the account or the service is at fault. Anything else is read as the image's
 * fault: the documented image codes (9402, 9412, 9413, 9516, 9520), and 9523, which the runtime
 * also gives any error response that carries no code (the local binding's decode failures).
 */
const SERVICE_FAULTS = new Set([9422, 9423, 9425, 9426, 9427, 9428, 9429, 9430, 9431, 9432, 9522, 9527, 9528, 9529]);

const RETRY_AFTER_S = 60;

export const imagesUnavailable = () =>
	new HttpProblem(
		503,
		"images_unavailable",
		"Image processing is unavailable right now; try again later.",
		{},
		{
			"Retry-After": String(RETRY_AFTER_S),
		},
	);

/** The binding error's code, when it has one. */
export function imagesErrorCode(err: unknown): number | undefined {
	const code = (err as { code?: unknown } | null)?.code;
	return typeof code === "number" ? code : undefined;
}

/**
 * The problem to answer for an Images binding failure: 503 when its code is about the account or
 * the service, else `imageFault` (the caller's own 4xx for a bad image).
 */
export function imagesProblem(err: unknown, imageFault: () => HttpProblem): HttpProblem {
	if (err instanceof HttpProblem) return err;
	const code = imagesErrorCode(err);
	if (code !== undefined && SERVICE_FAULTS.has(code)) return imagesUnavailable();
	return imageFault();
}
