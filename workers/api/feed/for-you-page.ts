// Which of the ranked candidates make a For You page, in what order: the best first, with two rules
// a score alone cannot keep. No creator fills more than CREATOR_CAP of any CAP_WINDOW consecutive
// slots (counting the slots of the pages before, which the cursor remembers), and some slots go to
// fresh, little-seen reels, so a new creator is seen before anyone has watched them.

export const CREATOR_CAP = 2;
export const CAP_WINDOW = 10;
/** The fourth of every FRESH_EVERY slots of a page goes to the best fresh reel there is (when one fits the cap). */
export const FRESH_EVERY = 5;

export interface Candidate {
	id: string;
	authorId: string;
	score: number;
	/** Where it came from: following, creator, hashtag, cowatched, trending, fresh. */
	sources: string[];
}

/**
 * Up to `limit` candidates from `ranked` (best first), after `recentAuthors` (the authors of the
 * slots just before this page, oldest first). Stops early rather than break the creator cap.
 */
export function pickPage(ranked: readonly Candidate[], limit: number, recentAuthors: readonly string[]): Candidate[] {
	const left = [...ranked].sort((a, b) => b.score - a.score);
	const window = [...recentAuthors.slice(-(CAP_WINDOW - 1))];
	const page: Candidate[] = [];
	const fits = (c: Candidate) => window.filter((a) => a === c.authorId).length < CREATOR_CAP;
	while (page.length < limit) {
		const wantFresh = page.length % FRESH_EVERY === FRESH_EVERY - 2;
		const i = wantFresh ? left.findIndex((c) => c.sources.includes("fresh") && fits(c)) : -1;
		const at = i >= 0 ? i : left.findIndex(fits);
		if (at < 0) break;
		const [chosen] = left.splice(at, 1);
		if (!chosen) break;
		page.push(chosen);
		window.push(chosen.authorId);
		if (window.length > CAP_WINDOW - 1) window.shift();
	}
	return page;
}
