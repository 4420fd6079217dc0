// Asking a signed-in person for their password again before what a stolen access token must not
// be able to do alone (change the password, mint an API key). Wrong answers count against the
// same per-account throttle as sign-ins, so the token cannot be used to guess it either.
import { eq } from "drizzle-orm";
import type { Role } from "../../lib/auth/roles";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { users } from "../../lib/postgres/schema";
import { HttpProblem } from "../../lib/problems/http-problem";
import { passwordTryMatches } from "./password-try";

/** 403 `wrong_password` unless `password` is the account's (read on the primary: a change a moment ago counts). */
export async function checkCurrentPassword(db: RoutedDatabase, env: Env, userId: string, password: string): Promise<{ role: Role }> {
	const [user] = await db.readFromPrimary((q) =>
		q.select({ email: users.email, passwordHash: users.passwordHash, role: users.role }).from(users).where(eq(users.id, userId)).limit(1),
	);
	if (!user) throw new HttpProblem(404, "user_not_found", "This account no longer exists.");
	// An account without a password (made by an operator) has none to present: the same answer, the same work.
	if (!(await passwordTryMatches(env, user.email, password, () => user.passwordHash))) {
		throw new HttpProblem(403, "wrong_password", "The current password is not right.");
	}
	return { role: user.role };
}
