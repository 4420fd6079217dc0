// Every object under an R2 prefix, a listing page (up to 1,000) at a time:
// one subrequest per page, whatever the caller does with each page.

/** The pages of objects under `prefix`, in key order. */
export async function* pagesUnder(bucket: R2Bucket, prefix: string): AsyncGenerator<R2Object[]> {
	let cursor: string | undefined;
	do {
		const page = await bucket.list({ prefix, limit: 1000, ...(cursor ? { cursor } : {}) });
		if (page.objects.length > 0) yield page.objects;
		cursor = page.truncated ? page.cursor : undefined;
	} while (cursor);
}
