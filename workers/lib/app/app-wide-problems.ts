// Statuses that middleware in front of every route can answer (today: 414 from
// refuseLongUrl), added to every operation of the generated OpenAPI document,
// so the document follows from the middleware rather than from each route
// remembering (the STACK_STATUSES idea, for the app-wide layer).
const APP_WIDE: Record<number, string> = { 414: "URL too long" };

type Operation = { responses?: Record<string, unknown> };

export function declareAppWideProblems<D extends { paths?: object }>(doc: D): D {
	for (const operations of Object.values(doc.paths ?? {}) as Record<string, Operation | undefined>[]) {
		for (const op of Object.values(operations)) {
			if (!op || typeof op !== "object" || !op.responses) continue;
			for (const [status, description] of Object.entries(APP_WIDE)) {
				op.responses[status] ??= {
					description,
					content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
				};
			}
		}
	}
	return doc;
}
