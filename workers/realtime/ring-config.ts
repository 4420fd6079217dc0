import { configOf } from "../lib/config/config";
import { ShardRing } from "./shard-ring";

const rings = new Map<string, ShardRing>();

/** The ring for this deployment's REALTIME_SHARDS / REALTIME_VIRTUAL_NODES (built once per isolate). */
export function ringFor(env: Env): ShardRing {
	const { REALTIME_SHARDS: shards, REALTIME_VIRTUAL_NODES: virtualNodes } = configOf(env);
	const key = `${shards}/${virtualNodes}`;
	let ring = rings.get(key);
	if (!ring) {
		ring = new ShardRing({ shards, virtualNodes });
		rings.set(key, ring);
	}
	return ring;
}
