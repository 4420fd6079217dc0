import { describe, expect, it } from "vitest";
import { decoyHash, HASH_BYTES, hashPassword, PBKDF2_ITERATIONS, SALT_BYTES, verifyPassword } from "./password-hash";

describe("password hashing", () => {
	it("uses PBKDF2-HMAC-SHA256 at the production cap of 100,000 iterations, a 16-byte salt and a 32-byte hash", async () => {
		expect([PBKDF2_ITERATIONS, SALT_BYTES, HASH_BYTES]).toEqual([100_000, 16, 32]);
		const stored = await hashPassword("correct horse 9");
		const [scheme, iterations, salt, hash] = stored.split("$");
		expect(scheme).toBe("pbkdf2-sha256");
		expect(iterations).toBe("100000");
		expect(salt).toHaveLength(22); // 16 bytes, base64url
		expect(hash).toHaveLength(43); // 32 bytes, base64url
	});

	it("salts every hash", async () => {
		expect(await hashPassword("same password 1")).not.toBe(await hashPassword("same password 1"));
	});

	it("verifies the right password and refuses a wrong or malformed one", async () => {
		const stored = await hashPassword("correct horse 9");
		expect(await verifyPassword("correct horse 9", stored)).toBe(true);
		expect(await verifyPassword("correct horse 8", stored)).toBe(false);
		expect(await verifyPassword("correct horse 9", "md5$1$x$y")).toBe(false);
		expect(await verifyPassword("correct horse 9", stored.replace("100000", "100000000"))).toBe(false);
	});

	it("keeps a decoy hash with the same parameters for unknown accounts", async () => {
		const decoy = await decoyHash();
		expect(decoy.split("$").slice(0, 2)).toEqual(["pbkdf2-sha256", "100000"]);
		expect(await verifyPassword("anything 1", decoy)).toBe(false);
	});
});
