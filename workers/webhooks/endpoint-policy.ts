// Which URLs a webhook may be sent to. Delivering is the platform making a request on a stranger's
// say-so, so in production only public HTTPS endpoints: never loopback, private, link-local,
// carrier-grade NAT, multicast or metadata addresses, by literal or by name (checked when the
// endpoint is saved, and again at every delivery after resolving the name, so a name that later
// points inside is refused then). The local stack (`npm run dev`, the tests) allows loopback and
// plain HTTP, so a receiver can run beside it: WEBHOOK_ALLOW_PRIVATE_URLS.

/** Why `url` may not be an endpoint, or undefined when it may. */
export function refusedUrl(url: string, allowPrivate: boolean): string | undefined {
	let u: URL;
	try {
		u = new URL(url);
	} catch {
		return "not a URL";
	}
	if (u.username || u.password) return "credentials in the URL";
	if (allowPrivate) return u.protocol === "https:" || u.protocol === "http:" ? undefined : "not HTTP(S)";
	if (u.protocol !== "https:") return "not HTTPS";
	// A trailing dot names the same host ("localhost." is localhost).
	const host = u.hostname
		.replace(/^\[|\]$/g, "")
		.toLowerCase()
		.replace(/\.+$/, "");
	if (u.port && u.port !== "443") return "not the HTTPS port (443)";
	if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal")) return "a local name";
	if (isPrivateAddress(host)) return "a private, loopback or link-local address";
	if (!host.includes(".") && !host.includes(":")) return "not a public name";
	return undefined;
}

/** Whether an IPv4 or IPv6 literal is one the internet cannot route to us (false for a name). */
export function isPrivateAddress(host: string): boolean {
	const v4 = ipv4Bytes(host);
	if (v4) return isPrivateIpv4(v4);
	const v6 = ipv6Words(host);
	return v6 ? isPrivateIpv6(v6) : false;
}

function ipv4Bytes(host: string): number[] | undefined {
	const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
	if (!m) return undefined;
	const bytes = m.slice(1, 5).map(Number);
	return bytes.every((b) => b <= 255) ? bytes : undefined;
}

function isPrivateIpv4([a = 0, b = 0]: number[]): boolean {
	return (
		a === 0 ||
		a === 10 ||
		a === 127 ||
		(a === 100 && b >= 64 && b <= 127) ||
		(a === 169 && b === 254) ||
		(a === 172 && b >= 16 && b <= 31) ||
		(a === 192 && b === 168) ||
		(a === 192 && b === 0) ||
		(a === 198 && (b === 18 || b === 19)) ||
		a >= 224
	);
}

/** An IPv6 literal as its eight 16-bit words (a dotted IPv4 tail allowed), or undefined. */
function ipv6Words(host: string): number[] | undefined {
	const h = host.toLowerCase().replace(/%.*$/, "");
	if (!h.includes(":") || !/^[0-9a-f:.]+$/.test(h)) return undefined;
	let text = h;
	const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (dotted?.[1]) {
		const b = ipv4Bytes(dotted[1]);
		if (!b) return undefined;
		text = `${text.slice(0, -dotted[1].length)}${((b[0] ?? 0) * 256 + (b[1] ?? 0)).toString(16)}:${((b[2] ?? 0) * 256 + (b[3] ?? 0)).toString(16)}`;
	}
	const halves = text.split("::");
	if (halves.length > 2) return undefined;
	const part = (s: string | undefined) => (s ? s.split(":") : []);
	const head = part(halves[0]);
	const tail = part(halves[1]);
	const missing = 8 - head.length - tail.length;
	if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
	const words = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail].map((w) =>
		/^[0-9a-f]{1,4}$/.test(w) ? Number.parseInt(w, 16) : Number.NaN,
	);
	return words.length === 8 && words.every((w) => !Number.isNaN(w)) ? words : undefined;
}

/** The IPv4 address carried in the low 32 bits. */
const low32 = (w: number[]) => [(w[6] ?? 0) >> 8, (w[6] ?? 0) & 255, (w[7] ?? 0) >> 8, (w[7] ?? 0) & 255];

function isPrivateIpv6(w: number[]): boolean {
	const [w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0] = w;
	const zeros = (ws: number[]) => ws.every((x) => x === 0);
	if (zeros(w.slice(0, 7)) && (w[7] === 0 || w[7] === 1)) return true; // :: and ::1
	// IPv4 inside IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d): judged by that IPv4.
	if (zeros([w0, w1, w2, w3, w4]) && (w5 === 0xffff || w5 === 0)) return isPrivateIpv4(low32(w));
	if (w0 === 0x64 && w1 === 0xff9b && zeros([w2, w3, w4, w5])) return isPrivateIpv4(low32(w));
	// 6to4 (2002:aabb:ccdd::): the IPv4 in words 1 and 2.
	if (w0 === 0x2002) return isPrivateIpv4([w1 >> 8, w1 & 255, w2 >> 8, w2 & 255]);
	// Teredo (2001:0::/32) carries the client's IPv4 inverted in the last 32 bits.
	if (w0 === 0x2001 && w1 === 0) return isPrivateIpv4(low32(w).map((b) => b ^ 255));
	// Unique local fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast ff00::/8.
	return (w0 & 0xfe00) === 0xfc00 || (w0 & 0xffc0) === 0xfe80 || (w0 & 0xffc0) === 0xfec0 || (w0 & 0xff00) === 0xff00;
}

/**
 * The addresses `hostname` resolves to, by DNS over HTTPS (Cloudflare's resolver: a Worker has no
 * resolver of its own), A and AAAA.
 */
export async function resolveHost(hostname: string): Promise<string[]> {
	const answers = await Promise.all(
		(["A", "AAAA"] as const).map(async (type) => {
			const res = await fetch(`https://cloudflare-dns.com/dns-query?name=${encodeURIComponent(hostname)}&type=${type}`, {
				headers: { accept: "application/dns-json" },
				signal: AbortSignal.timeout(3000),
			});
			if (!res.ok) throw new Error(`DNS lookup answered ${res.status}`);
			const body = (await res.json()) as { Answer?: { type: number; data: string }[] };
			return (body.Answer ?? []).filter((a) => a.type === 1 || a.type === 28).map((a) => a.data);
		}),
	);
	return answers.flat();
}

/** At delivery: the URL again, and (in production) every address its name has now. */
export async function refusedAtDelivery(
	url: string,
	allowPrivate: boolean,
	resolve: (host: string) => Promise<string[]> = resolveHost,
): Promise<string | undefined> {
	const refused = refusedUrl(url, allowPrivate);
	if (refused || allowPrivate) return refused;
	const host = new URL(url).hostname.replace(/^\[|\]$/g, "").replace(/\.+$/, "");
	// A public address literal was checked above; only a name can change what it points at. (The
	// Worker's own fetch resolves the name again: a name that flips between the two lookups is a
	// rebinding this cannot pin; Workers give no way to connect to a chosen address.)
	if (/^[\d.]+$/.test(host) || host.includes(":")) return undefined;
	const addresses = await resolve(host);
	if (addresses.length === 0) return "the name has no address";
	return addresses.some(isPrivateAddress) ? "the name points at a private address" : undefined;
}
