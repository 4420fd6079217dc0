// Which operations of the generated OpenAPI document take an API key, and with what scope: derived
// from the one table that enforces it (lib/auth/api-keys.ts `scopeFor`), so the document and the
// gate cannot disagree. Generated clients then offer the key on exactly those operations.
import { scopeFor } from "../auth/api-keys";

type Operation = { security?: Record<string, string[]>[]; description?: string };

export function declareApiKeyScopes<D extends { paths?: object }>(doc: D): D {
	for (const [path, operations] of Object.entries(doc.paths ?? {}) as [string, Record<string, Operation | undefined>][]) {
		for (const [method, op] of Object.entries(operations)) {
			if (!op || typeof op !== "object") continue;
			const scope = scopeFor(method.toUpperCase(), path);
			if (!scope) continue;
			op.security = [...(op.security ?? [{}]), { apiKey: [scope] }];
			op.description = `${op.description ? `${op.description}\n\n` : ""}An API key needs the \`${scope}\` scope.`;
		}
	}
	return doc;
}
