/**
 * Lists fetch `limit + 1` rows: the first `limit` are the page, and the extra
 * one only says that a next page exists, whose cursor is made from the page's last row.
 *
 * @example const { items, nextCursor } = pageOf(rows, limit, (r) => encodeIdCursor(r.id));
 */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => string): { items: T[]; nextCursor: string | null } {
	const items = rows.slice(0, limit);
	const last = items.at(-1);
	return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
