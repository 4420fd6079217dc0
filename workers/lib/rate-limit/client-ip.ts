import type { Context } from "hono";

/** The client's address as Cloudflare reports it; "local" under local tooling that sets none. */
export const clientIp = (c: Context) => c.req.header("cf-connecting-ip") ?? "local";
