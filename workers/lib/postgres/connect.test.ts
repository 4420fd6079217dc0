import { env } from "cloudflare:workers";
import { CloudflareSocket } from "pg-cloudflare";
import { afterEach, describe, expect, it, vi } from "vitest";
import { closeQuietly, connect } from "./connect";

afterEach(() => {
	vi.restoreAllMocks();
});

describe("connect", () => {
	it("sends a statement with parameters as one socket write, not one per protocol message", async () => {
		const client = await connect(env.HYPERDRIVE, "primary", 5_000);
		try {
			const { stream } = (client as unknown as { connection: { stream: { cork?: unknown } } }).connection;
			expect(stream).toBeInstanceOf(CloudflareSocket);
			expect(typeof stream.cork).toBe("function");
			const writes = vi.spyOn(CloudflareSocket.prototype, "write");
			const { rows } = await client.query<{ n: number; s: string }>("SELECT $1::int AS n, $2::text AS s", [7, "seven"]);
			expect(rows).toEqual([{ n: 7, s: "seven" }]);
			// Parse, Bind, Describe, Execute and Sync: five messages, written once.
			expect(writes).toHaveBeenCalledTimes(1);
			writes.mockClear();
			await client.query("SELECT 1");
			expect(writes).toHaveBeenCalledTimes(1);
		} finally {
			await closeQuietly(client);
		}
	});

	it("keeps statements apart: an error in one leaves the connection usable for the next", async () => {
		const client = await connect(env.HYPERDRIVE, "primary", 5_000);
		try {
			await expect(client.query("SELECT $1::int / 0", [1])).rejects.toThrow(/division by zero/);
			const { rows } = await client.query<{ ok: boolean }>("SELECT $1::boolean AS ok", [true]);
			expect(rows).toEqual([{ ok: true }]);
		} finally {
			await closeQuietly(client);
		}
	});
});
