// Workers Analytics Engine datapoints: what an on-call engineer queries
// (docs/operations.md has the SQL). One dataset, one `index1` per kind of
// event, so each kind samples on its own; blobs are labels, doubles are figures.
//
//   kind        blobs                                            doubles
//   request     route, method, status, problem code, colo, env   duration ms, status
//   queue_job   outcome, queue, asset id                          queued ms, attempts, run ms
//   transcode   outcome (ready|failed), failure code, asset id    transcode ms, copy ms, files
//   socket      event (connect|disconnect|refused), shard, close  open sockets on the shard
//   refusal     limiter (burst|quota|login|transform|...), route  retry-after s
//
// Writing never throws and never waits: a datapoint is fire-and-forget
// (developers.cloudflare.com/analytics/analytics-engine/get-started/). Locally,
// wrangler's stand-in accepts the calls and keeps nothing; the tests check what
// is written by watching the binding.

export type AnalyticsKind = "request" | "queue_job" | "transcode" | "socket" | "refusal";

/** At most 20 blobs of 16 KiB in all per point; ours are short labels, cut to keep them so. */
const BLOB_MAX = 256;

export function record(
	env: { ANALYTICS?: AnalyticsEngineDataset },
	kind: AnalyticsKind,
	blobs: (string | null | undefined)[],
	doubles: number[],
): void {
	try {
		env.ANALYTICS?.writeDataPoint({
			indexes: [kind],
			blobs: [kind, ...blobs.map((b) => (b ?? "").slice(0, BLOB_MAX))],
			doubles: doubles.map((d) => (Number.isFinite(d) ? d : 0)),
		});
	} catch {
		// Observability must never take a request down with it.
	}
}
