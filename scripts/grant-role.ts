// Gives an account a role, for operators: every admin comes from here (registering
// never makes one: nothing proves who owns an email address until it is verified).
//   npm run role:grant -- ada@example.com admin            (the local dev database)
//   DATABASE_URL=postgres://… npm run role:grant -- ada@example.com creator
import pg from "pg";
import { ROLES, type Role } from "../workers/lib/auth/roles.ts";
import { connectionUrls, devCluster } from "./postgres-cluster.ts";

/** Sets `role` for the account with `email` (case-insensitive); false when there is none. */
export async function grantRole(connectionString: string, email: string, role: Role): Promise<boolean> {
	const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 });
	await client.connect();
	try {
		const res = await client.query("UPDATE users SET role = $2, updated_at = now() WHERE lower(email) = lower($1)", [email, role]);
		return res.rowCount === 1;
	} finally {
		await client.end();
	}
}

if (import.meta.main) {
	const [email, role = "admin"] = process.argv.slice(2);
	if (!email || !ROLES.includes(role as Role)) {
		console.error(`usage: npm run role:grant -- <email> [${ROLES.join("|")}]`);
		process.exit(2);
	}
	grantRole(process.env.DATABASE_URL || connectionUrls(devCluster()).primaryUrl, email, role as Role).then(
		(found) => {
			console.log(
				found
					? `${email} is now ${role} (in the tokens issued from now on: at the next sign-in or token refresh, within 15 minutes; an admin's PUT /api/users/:id/role applies at once)`
					: `no account with email ${email}`,
			);
			process.exit(found ? 0 : 1);
		},
		(err: Error) => {
			console.error(`could not grant the role: ${err.message}`);
			process.exit(1);
		},
	);
}
