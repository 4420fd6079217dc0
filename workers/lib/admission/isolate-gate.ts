// How many API requests one isolate works on at once. A Worker's isolate runs its requests'
// JavaScript on one thread: past a few dozen at once they only take turns, each request's every
// step waits behind all the others', and the timeouts that guard against a dead dependency (the
// Postgres connect, the pool's queue) fire on requests that were merely waiting for the CPU. With a
// crowd (bench/viral-like.bench.ts: 1,000 likes at once) that turned into 503s. Past the limit a
// request waits its turn, first come first served, doing nothing; a long queue is refused at once.

/** A FIFO counting semaphore: `run` waits for one of `limit` places, or throws GateFull when `maxWaiting` are already waiting. */
export class IsolateGate {
	private active = 0;
	private readonly waiting: (() => void)[] = [];

	constructor(
		private readonly limit: number,
		private readonly maxWaiting: number,
	) {}

	get inFlight(): number {
		return this.active;
	}

	get queued(): number {
		return this.waiting.length;
	}

	async run<T>(work: () => Promise<T>): Promise<T> {
		if (this.active >= this.limit) {
			if (this.waiting.length >= this.maxWaiting) throw new GateFull();
			await new Promise<void>((resolve) => this.waiting.push(resolve));
		} else this.active++;
		try {
			return await work();
		} finally {
			const next = this.waiting.shift();
			// The place goes straight to the next in line (the count stays), or back to the pool.
			if (next) next();
			else this.active--;
		}
	}
}

export class GateFull extends Error {
	constructor() {
		super("too many requests are waiting in this isolate");
		this.name = "GateFull";
	}
}
