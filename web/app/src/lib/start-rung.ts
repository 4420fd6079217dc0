// Which rung of a reel's ladder the player starts on (components/ReelPlayer.tsx).

/**
 * The rung to start on: the lowest whose picture is at least as tall as the player in CSS pixels,
 * else the tallest. It fills the screen from the first frame without fetching more than needed;
 * ABR then climbs toward the screen's device pixels (capLevelToPlayerSize) as bandwidth allows.
 */
export function startRung(levels: readonly { height: number }[], playerHeight: number): number {
	let pick = -1;
	levels.forEach((l, i) => {
		const current = levels[pick];
		if (!current) pick = i;
		else if (current.height < playerHeight ? l.height > current.height : l.height >= playerHeight && l.height < current.height) pick = i;
	});
	return pick;
}
