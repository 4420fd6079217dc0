/**
 * A client address of the test's own: a random /64 of fd00::/8, the unique-local range (56 random bits), which per-address
 * limits count as one client. A test that spends a per-address budget needs one nobody else can
 * draw; 250 random IPv4 addresses met by chance one CI run in a few hundred. No imports: the Node
 * tests (a browser context's `cf-connecting-ip`) take it as the workerd ones do.
 */
export function ownAddress(): string {
	const [a = 0, b = 0, c = 0, d = 0] = crypto.getRandomValues(new Uint16Array(4));
	return `fd${(a & 0xff).toString(16).padStart(2, "0")}:${b.toString(16)}:${c.toString(16)}:${d.toString(16)}::1`;
}
