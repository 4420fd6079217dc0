/** OpenAPI `content` for a JSON body or response with `schema`. */
export const jsonContent = <T>(schema: T) => ({ content: { "application/json": { schema } } });
