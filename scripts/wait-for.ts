// Waiting for a condition in the Node tests and end-to-end tests: ask until the answer is there
// or the time is up, never a fixed sleep standing in for the condition.

export interface WaitOptions {
	/** Give up after this long (default 30 s). */
	timeoutMs?: number;
	/** Ask again after this long (default 100 ms). */
	everyMs?: number;
	/** A probe that throws has not seen it yet (a server still starting, a replica behind); default: the error is the test's. */
	ignoreErrors?: boolean;
	/** More to say when the time is up: the stack's output, the last status seen. */
	explain?: () => string;
}

/**
 * Asks `probe` until it answers something other than `undefined`, `null` or `false`, and returns
 * that answer; throws `timed out waiting for <what>` (with `explain()`) when the time is up.
 */
export async function waitFor<T>(
	what: string,
	probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
	{ timeoutMs = 30_000, everyMs = 100, ignoreErrors = false, explain }: WaitOptions = {},
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let lastError: unknown;
	for (;;) {
		try {
			const value = await probe();
			if (value !== undefined && value !== null && value !== false) return value;
		} catch (err) {
			if (!ignoreErrors) throw err;
			lastError = err;
		}
		if (Date.now() > deadline) {
			const why = lastError ? `\nlast error: ${(lastError as Error).message ?? String(lastError)}` : "";
			throw new Error(`timed out waiting for ${what}${why}${explain ? `\n${explain()}` : ""}`);
		}
		await new Promise((r) => setTimeout(r, everyMs));
	}
}
