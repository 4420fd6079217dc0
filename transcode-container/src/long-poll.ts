// Long polls on a job or a live stream: a status request may wait until something about it changes,
// so the Worker hears of a new segment or the end at once and asks a bounded number of times.

/** The requests waiting on one job or stream. */
export type Waiters = Set<() => void>;

/** Waits while `unchanged()` holds, for at most `waitMs`; `wake` on the same waiters ends the wait early. */
export async function waitWhile(waiters: Waiters, unchanged: () => boolean, waitMs: number): Promise<void> {
	const deadline = performance.now() + waitMs;
	while (unchanged()) {
		const left = deadline - performance.now();
		if (left <= 0) return;
		let timer: NodeJS.Timeout | undefined;
		await new Promise<void>((resolve) => {
			waiters.add(resolve);
			timer = setTimeout(() => {
				waiters.delete(resolve);
				resolve();
			}, left);
		});
		clearTimeout(timer);
	}
}

/** Something changed: every waiting request looks again. */
export function wake(waiters: Waiters): void {
	for (const resolve of waiters) resolve();
	waiters.clear();
}
