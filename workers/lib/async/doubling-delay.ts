/** A queue retry's delay: `firstSeconds` on the first attempt, doubling with each after, never above `maxSeconds`. */
export const doublingDelay = (attempts: number, firstSeconds: number, maxSeconds: number) =>
	Math.min(maxSeconds, firstSeconds * 2 ** Math.max(0, attempts - 1));
