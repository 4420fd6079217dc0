import type { Context } from "hono";

/** The client's address as Cloudflare reports it; "local" under local tooling that sets none. */
export const clientIp = (c: Context) => c.req.header("cf-connecting-ip") ?? "local";

/**
 * The address a per-address limit counts: IPv4 as it is, IPv6 by its /64,
 * because one subscriber usually holds a whole /64 and could otherwise take a
 * fresh quota from every one of its 2^64 addresses.
 */
export function addressBucket(ip: string): string {
	if (!ip.includes(":")) return ip;
	const [head = "", tail = ""] = ip.toLowerCase().split("::");
	const left = head ? head.split(":") : [];
	const right = tail ? tail.split(":") : [];
	if (!ip.includes("::") && left.length !== 8) return ip;
	const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
	return `${groups
		.slice(0, 4)
		.map((g) => g.replace(/^0+(?=.)/, ""))
		.join(":")}::/64`;
}

/** The key per-address limits use. */
export const clientBucket = (c: Context) => addressBucket(clientIp(c));
