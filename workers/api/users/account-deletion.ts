// Deleting an account, at once: its password first (under the sign-in throttle), then its gate
// refuses every token out, its media stops being served, its media's erasure is queued, and its
// Postgres rows go in one transaction (which tells each API key's gate first); last its sockets
// close. The media (R2, the edge cache, D1) is erased by the `account-jobs` consumer within minutes
// (docs/security.md says what is kept, and how long).
// The erasure is queued before the rows go: should the transaction fail, the account is still
// there to be deleted again (its owner signs in and asks again), and no media outlives it unqueued.

import { blockAccountMedia } from "../../cdn/takedown/erase-account-media";
import { mapLimit } from "../../lib/async/map-limit";
import { refuseTokensIssuedBefore } from "../../lib/auth/user-gate-client";
import { logger } from "../../lib/observability/logger";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { deleteStreamsOf } from "../../live/live-store";
import type { AccountJob } from "../../queue/account-jobs-consumer";
import { closeSessionSockets, forgetUserOnShard } from "../../realtime/end-session";
import { checkCurrentPassword } from "../auth/current-password";
import { eraseAccountRows } from "./account-erasure-store";

export async function deleteAccount(db: RoutedDatabase, env: Env, userId: string, password: string, requestUrl: string): Promise<void> {
	await checkCurrentPassword(db, env, userId, password);
	await refuseTokensIssuedBefore(env, userId);
	await blockAccountMedia(env, userId);
	// Its live streams leave the lists now (a stream still live stops on its object's next beat).
	await deleteStreamsOf(env, userId);
	const erasure: AccountJob = { kind: "erase_media", userId, requestUrl };
	// A second's delay: the consumer finds the rows gone rather than waiting for the transaction below.
	await env.ACCOUNT_JOBS.send(erasure, { contentType: "json", delaySeconds: 1 });
	const { sessions } = await db.write((q) => q.transaction((tx) => eraseAccountRows(tx, env, userId)));
	// The account is gone from here on, so what follows is logged, not thrown (a retry would find no
	// account). Again the gate, now the rows are gone: a refresh that slipped in before the commit
	// minted a token after the first time (it can only act as an account that no longer exists).
	await refuseTokensIssuedBefore(env, userId).catch((err: Error) =>
		logger.warn("deleted_account_gate_not_told", { userId, error: err.message }),
	);
	// Sockets last: the notification shard forgets the account (its sockets close, 4003), and each
	// session's live viewer sockets close too.
	await forgetUserOnShard(env, userId).catch((err: Error) => logger.warn("deleted_account_shard_not_told", { userId, error: err.message }));
	await mapLimit(sessions, 4, (s) => closeSessionSockets(env, userId, s));
}
