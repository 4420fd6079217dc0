// Deleting every object under an R2 prefix (the files derived from an
// original), a listing page at a time: one list and one delete per 1,000 keys.
import { pagesUnder } from "./pages-under";

/** Deletes every object under `prefix`; returns their keys. */
export async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<string[]> {
	const deleted: string[] = [];
	for await (const page of pagesUnder(bucket, prefix)) {
		const keys = page.map((o) => o.key);
		await bucket.delete(keys);
		deleted.push(...keys);
	}
	return deleted;
}
