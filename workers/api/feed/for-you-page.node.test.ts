import { describe, expect, it } from "vitest";
import { CAP_WINDOW, type Candidate, CREATOR_CAP, pickPage } from "./for-you-page";

const candidate = (id: string, authorId: string, score: number, sources = ["trending"]): Candidate => ({ id, authorId, score, sources });

/** Whether any CAP_WINDOW consecutive authors hold one more than CREATOR_CAP times. */
function breaksCap(authors: string[]): boolean {
	for (let i = 0; i + 1 <= authors.length; i++) {
		const window = authors.slice(i, i + CAP_WINDOW);
		for (const a of window) if (window.filter((x) => x === a).length > CREATOR_CAP) return true;
	}
	return false;
}

describe("a For You page", () => {
	it("takes the best first, but never more than two of one creator in any ten consecutive slots", () => {
		const ranked = [
			...Array.from({ length: 8 }, (_, i) => candidate(`star-${i}`, "star", 100 - i)),
			...Array.from({ length: 12 }, (_, i) => candidate(`other-${i}`, `creator-${i}`, 50 - i)),
		];
		const page = pickPage(ranked, 10, []);
		expect(page).toHaveLength(10);
		expect(page.slice(0, 2).map((c) => c.id)).toEqual(["star-0", "star-1"]);
		expect(page.filter((c) => c.authorId === "star")).toHaveLength(2);
		expect(breaksCap(page.map((c) => c.authorId))).toBe(false);
	});

	it("keeps the cap across pages from the authors the cursor remembers", () => {
		const ranked = [candidate("a", "star", 10), candidate("b", "star", 9), candidate("c", "x", 1)];
		const page = pickPage(ranked, 3, ["star", "y", "star"]);
		expect(page.map((c) => c.id)).toEqual(["c"]);
		expect(breaksCap(["star", "y", "star", ...page.map((c) => c.authorId)])).toBe(false);
		// Nine slots later the creator may come back.
		expect(pickPage(ranked, 1, ["star", ...Array.from({ length: 9 }, (_, i) => `z${i}`)]).map((c) => c.id)).toEqual(["a"]);
	});

	it("gives the fourth of every five slots to a fresh reel when there is one, however low it ranks", () => {
		const ranked = [
			...Array.from({ length: 10 }, (_, i) => candidate(`top-${i}`, `c${i}`, 100 - i)),
			candidate("new-1", "newcomer-1", 1, ["fresh"]),
			candidate("new-2", "newcomer-2", 0.5, ["fresh"]),
		];
		const page = pickPage(ranked, 10, []);
		expect(page[3]?.id).toBe("new-1");
		expect(page[8]?.id).toBe("new-2");
		expect(page.filter((c) => c.sources.includes("fresh"))).toHaveLength(2);
	});

	it("stops short rather than break the cap, and is empty when nothing is left", () => {
		const page = pickPage(
			Array.from({ length: 5 }, (_, i) => candidate(`only-${i}`, "only", 5 - i)),
			10,
			[],
		);
		expect(page.map((c) => c.id)).toEqual(["only-0", "only-1"]);
		expect(pickPage([], 10, [])).toEqual([]);
	});
});
