import { z } from "@hono/zod-openapi";

/** RFC 9457 problem details as this API renders them (see render-problem.ts). */
export const ProblemSchema = z
	.object({
		type: z.string(),
		title: z.string(),
		status: z.number().int(),
		code: z.string().openapi({ description: "Stable machine-readable code" }),
		detail: z.string().optional(),
		instance: z.string(),
		requestId: z.string(),
		errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
	})
	.openapi("Problem");

const DESCRIPTIONS: Record<number, string> = {
	400: "Invalid input",
	401: "Not signed in, or the token is not valid",
	403: "Signed in without the needed role",
	404: "Not found",
	409: "Conflict",
	410: "Gone",
	412: "A required precondition header is missing or wrong",
	413: "Body too large",
	414: "URL too long",
	415: "Unsupported content type",
	416: "Range not satisfiable",
	422: "Understood, but cannot be processed",
	426: "Not a WebSocket upgrade",
	429: "Rate limited or over quota (see Retry-After)",
	501: "Not implemented: a format this server does not produce",
	503: "A dependency is down (see Retry-After)",
};

/** OpenAPI `responses` entries for the problem statuses a route can answer. */
export function problemResponses(...statuses: (keyof typeof DESCRIPTIONS)[]) {
	return Object.fromEntries(
		statuses.map((s) => [
			s,
			{ description: DESCRIPTIONS[s] ?? "Error", content: { "application/problem+json": { schema: ProblemSchema } } },
		]),
	);
}
