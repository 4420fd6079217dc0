// Which unique constraint a failed statement hit. postgres.js puts the server's error on the
// error itself; drizzle wraps it, with the original as `cause`.

const UNIQUE_VIOLATION = "23505";

/** The unique constraint `err` violated ("" when unnamed), or undefined when it is no unique violation. */
export function violatedConstraint(err: unknown): string | undefined {
	const e = err as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
	const pg = e?.code === UNIQUE_VIOLATION ? e : e?.cause?.code === UNIQUE_VIOLATION ? e.cause : undefined;
	return pg ? (pg.constraint ?? "") : undefined;
}
