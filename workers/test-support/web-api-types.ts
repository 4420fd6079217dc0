// The web app's API types, generated from the API's own OpenAPI document (openapi-typescript),
// so the app is typed from the server rather than from copies: a response shape the server
// changes changes these types, and the app's type check fails where it relied on the old one.
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import ts from "typescript";
import type { OpenApiDocument } from "./openapi-document";

export const WEB_API_TYPES_PATH = "web/app/src/lib/api-schema.d.ts";

export async function webApiTypes(doc: OpenApiDocument): Promise<string> {
	const ast = await openapiTS(doc as unknown as OpenAPI3, {
		alphabetize: true,
		// A file in a multipart body is a Blob the browser sends, not a string.
		transform: (schema) => (schema.format === "binary" ? ts.factory.createTypeReferenceNode("Blob") : undefined),
	});
	return [
		"// Generated from the API's /openapi.json by `npm run web:types`: do not edit.",
		"// workers/web-api-types.node.test.ts fails while this file and the API disagree.",
		"",
		astToString(ast),
	].join("\n");
}
