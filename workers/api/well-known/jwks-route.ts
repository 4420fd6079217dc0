import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/app/app-env";
import { signingKeys } from "../../lib/auth/signing-keys";

const JwksSchema = z
	.object({
		keys: z.array(z.object({ kty: z.string(), crv: z.string(), x: z.string(), kid: z.string(), alg: z.string(), use: z.string() })),
	})
	.openapi("JWKS");

const route = createRoute({
	method: "get",
	path: "/.well-known/jwks.json",
	tags: ["auth"],
	summary: "Public keys that verify access tokens",
	description: "Every key that may have signed a live token; pick by the token's `kid`.",
	responses: { 200: { description: "JWK set", content: { "application/json": { schema: JwksSchema } } } },
});

export const jwksRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
	const { publicJwks } = await signingKeys(c.env);
	c.header("cache-control", "public, max-age=300");
	return c.json(
		{
			keys: publicJwks.map((k) => ({
				kty: k.kty ?? "",
				crv: k.crv ?? "",
				x: k.x ?? "",
				kid: k.kid ?? "",
				alg: k.alg ?? "",
				use: k.use ?? "",
			})),
		},
		200,
	);
});
