// The API's OpenAPI document, made in Node from the same app the Worker serves, without any
// binding: the [vars] from wrangler.toml are all its middleware reads. Used by the document's
// own test and by the web app's generated types (web-api-types.node.test.ts).
import { unstable_readConfig } from "wrangler";
import { createApp } from "../app";

// A type alias, not an interface: a validator takes it as a plain record.
export type OpenApiDocument = {
	openapi: string;
	paths: Record<string, Record<string, unknown>>;
	components?: Record<string, unknown>;
};

export async function openApiDocument(): Promise<OpenApiDocument> {
	const env = unstable_readConfig({ config: "wrangler.toml" }).vars as unknown as Env;
	const res = await createApp().request("/openapi.json", {}, env);
	if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`);
	return (await res.json()) as OpenApiDocument;
}
