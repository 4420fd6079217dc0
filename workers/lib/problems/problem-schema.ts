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
