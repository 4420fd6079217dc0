// Identifies the isolate serving a request. Random values are not allowed at
// module scope in Workers, so the id is drawn on first use and then kept for
// the isolate's lifetime.
let isolate: { id: string; startedAt: string } | undefined;

export function isolateIdentity() {
	isolate ??= { id: crypto.randomUUID().slice(0, 8), startedAt: new Date().toISOString() };
	return isolate;
}
