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
	const host = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
	if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal")) return "a local name";
	if (isPrivateAddress(host)) return "a private, loopback or link-local address";
	if (!host.includes(".") && !host.includes(":")) return "not a public name";
	return undefined;
}

/** Whether an IPv4 or IPv6 literal is one the internet cannot route to us (false for a name). */
export function isPrivateAddress(host: string): boolean {
	const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
	if (v4) {
		const [a, b] = [Number(v4[1]), Number(v4[2])];
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
	if (!host.includes(":")) return false;
	const h = host.toLowerCase();
	if (h === "::" || h === "::1") return true;
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
	if (mapped?.[1]) return isPrivateAddress(mapped[1]);
	return /^(fc|fd|fe8|fe9|fea|feb|ff)/.test(h);
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
	const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
	// A public address literal was checked above; only a name can change what it points at.
	if (/^[\d.]+$/.test(host) || host.includes(":")) return undefined;
	const addresses = await resolve(host);
	if (addresses.length === 0) return "the name has no address";
	return addresses.some(isPrivateAddress) ? "the name points at a private address" : undefined;
}
