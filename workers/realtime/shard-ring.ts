// Consistent hashing of user ids onto notification shards. Each shard owns
// `virtualNodes` points on a 32-bit ring; a user belongs to the first point at
// or after the hash of its id. Changing the shard count moves only the users
// whose owning point changed (about 1/N of them). Pure, so it is unit-tested
// at scale in Node and shared by the Worker and the shards.

export interface RingConfig {
	shards: number;
	virtualNodes: number;
}

/** MurmurHash3 (x86, 32-bit): fast, well-mixed, deterministic across runtimes. */
export function murmur3(text: string, seed = 0): number {
	const bytes = new TextEncoder().encode(text);
	let h = seed >>> 0;
	const c1 = 0xcc9e2d51;
	const c2 = 0x1b873593;
	const blocks = bytes.length & ~3;
	for (let i = 0; i < blocks; i += 4) {
		let k = (bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16) | ((bytes[i + 3] ?? 0) << 24);
		k = Math.imul(k, c1);
		k = (k << 15) | (k >>> 17);
		k = Math.imul(k, c2);
		h ^= k;
		h = (h << 13) | (h >>> 19);
		h = (Math.imul(h, 5) + 0xe6546b64) | 0;
	}
	const tail = bytes.length & 3;
	if (tail > 0) {
		let k = 0;
		if (tail === 3) k ^= (bytes[blocks + 2] ?? 0) << 16;
		if (tail >= 2) k ^= (bytes[blocks + 1] ?? 0) << 8;
		k ^= bytes[blocks] ?? 0;
		k = Math.imul(k, c1);
		k = (k << 15) | (k >>> 17);
		k = Math.imul(k, c2);
		h ^= k;
	}
	h ^= bytes.length;
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
}

export class ShardRing {
	readonly config: RingConfig;
	private readonly points: Uint32Array;
	private readonly owners: Uint16Array;

	constructor(config: RingConfig) {
		this.config = config;
		if (!Number.isInteger(config.shards) || config.shards < 1 || config.shards > 4096) throw new RangeError("shards must be 1..4096");
		if (!Number.isInteger(config.virtualNodes) || config.virtualNodes < 1) throw new RangeError("virtualNodes must be a positive integer");
		const entries: [number, number][] = [];
		for (let shard = 0; shard < config.shards; shard++) {
			for (let v = 0; v < config.virtualNodes; v++) entries.push([murmur3(`shard-${shard}#${v}`), shard]);
		}
		entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
		this.points = Uint32Array.from(entries, (e) => e[0]);
		this.owners = Uint16Array.from(entries, (e) => e[1]);
	}

	/** The shard index (0..shards-1) that owns `key`. */
	shardOf(key: string): number {
		const h = murmur3(key);
		let lo = 0;
		let hi = this.points.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if ((this.points[mid] ?? 0) < h) lo = mid + 1;
			else hi = mid;
		}
		return this.owners[lo === this.points.length ? 0 : lo] ?? 0;
	}

	/** Share of the ring each shard owns (sums to 1): the balance the stats endpoint reports. */
	ownership(): number[] {
		const share = new Array<number>(this.config.shards).fill(0);
		const n = this.points.length;
		for (let i = 0; i < n; i++) {
			const start = this.points[(i - 1 + n) % n] ?? 0;
			const end = this.points[i] ?? 0;
			const span = i === 0 ? end + (2 ** 32 - start) : end - start;
			share[this.owners[i] ?? 0] = (share[this.owners[i] ?? 0] ?? 0) + span / 2 ** 32;
		}
		return share;
	}
}

/** The Durable Object name of shard `index` (stable across deploys). */
export const shardName = (index: number) => `notification-shard-${index}`;
