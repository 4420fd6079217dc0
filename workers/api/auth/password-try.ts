// One password try, the way every route that takes a password makes it: the
// account's throttle slot is taken before anything else (so a throttled guesser
// costs no database read and no hashing), an account without a password hashes
// a decoy (the same work, so timing says nothing), and a right password gives
// its slot back.
import { decoyHash, verifyPassword } from "../../lib/auth/password-hash";
import { refundPasswordTry, reservePasswordTry } from "../../lib/rate-limit/login-throttle";

/** Whether `password` matches the hash `loadHash` finds for `email` (undefined or null: no account, or no password). */
export async function passwordTryMatches(
	env: Env,
	email: string,
	password: string,
	loadHash: () => Promise<string | null | undefined> | string | null | undefined,
): Promise<boolean> {
	await reservePasswordTry(env, email);
	const hash = await loadHash();
	const ok = await verifyPassword(password, hash ?? (await decoyHash()));
	if (ok && hash) await refundPasswordTry(env, email);
	return ok && Boolean(hash);
}
