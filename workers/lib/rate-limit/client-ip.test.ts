import { describe, expect, it } from "vitest";
import { addressBucket } from "./client-ip";

describe("addressBucket", () => {
	it("keeps IPv4 addresses and counts IPv6 ones by their /64", () => {
		expect(addressBucket("203.0.113.7")).toBe("203.0.113.7");
		expect(addressBucket("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
		expect(addressBucket("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
		expect(addressBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
		expect(addressBucket("::1")).toBe("0:0:0:0::/64");
		expect(addressBucket("local")).toBe("local");
	});
});
