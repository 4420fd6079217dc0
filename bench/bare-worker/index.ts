// The baseline for bench/cdn.bench.ts: a bare hono Worker answering with the
// same number of bytes as the cached original, from memory: no R2, no D1, no cache.
import { Hono } from "hono";

const MAX_BYTES = 8 * 1024 * 1024;
const bytes = new Uint8Array(MAX_BYTES);
for (let i = 0; i < MAX_BYTES; i++) bytes[i] = (i * 31) % 251;

const app = new Hono();
app.get("/bytes/:size", (c) => {
	const size = Math.min(Number(c.req.param("size")) || 0, MAX_BYTES);
	return new Response(bytes.subarray(0, size), {
		headers: { "content-type": "image/jpeg", "cache-control": "public, max-age=31536000, immutable" },
	});
});

export default app;
