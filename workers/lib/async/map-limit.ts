/**
 * Runs `fn` over `items` with at most `limit` calls in flight, in order of
 * start; rejects with the first failure (calls already running finish first).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
	const results: R[] = new Array(items.length);
	let next = 0;
	let failed = false;
	const worker = async () => {
		while (!failed && next < items.length) {
			const i = next++;
			try {
				results[i] = await fn(items[i] as T, i);
			} catch (err) {
				failed = true;
				throw err;
			}
		}
	};
	const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
	const rejection = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
	if (rejection) throw rejection.reason;
	return results;
}
