// What signing in and verifying tokens cost, on a real dev stack (scripts/dev.ts,
// own ports) through wrangler dev. Interleaved scenarios against the first:
//   anonymous read        GET /api/users/:id without a token (baseline)
//   authenticated read    the same with a bearer token: EdDSA verification + session check
//   GET /api/users/me     token verification + session check + the user row
//   login                 POST /api/auth/login: PBKDF2-SHA256 (100,000 iterations) + session writes
// Run: npm run bench:auth
import { startDevStack } from "../scripts/dev-stack-process.ts";
import { expectStatus, measure, report } from "./support/latency.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const PASSWORD = "bench password 1";

async function main() {
	// Quotas lifted so one client address per scenario can make every request (steady state: warm limiter objects).
	const stack = await startDevStack("bench", {
		vars: { QUOTA_ANON_PER_HOUR: "1000000", QUOTA_USER_PER_HOUR: "1000000", QUOTA_AUTH_PER_HOUR: "1000000" },
	});
	try {
		const email = `bench-${crypto.randomUUID()}@example.test`;
		const reg = await expectStatus(
			await fetch(`${stack.baseUrl}/api/auth/register`, {
				method: "POST",
				headers: { "content-type": "application/json", "cf-connecting-ip": "10.2.0.1" },
				body: JSON.stringify({ email, password: PASSWORD, name: "Bench" }),
			}),
			201,
			"register",
		);
		const session = (await reg.json()) as { accessToken: string; user: { id: string } };
		await new Promise((r) => setTimeout(r, 500)); // let the replica replay the session
		// A few addresses per scenario: the burst limiter (100 per 10 s per address) stays out of the measurement.
		const ip = (tag: number, round: number) => `10.2.${tag}.${Math.abs(round) % 8}`;
		const get = (name: string, path: string, tag: number, token?: string) => ({
			name,
			run: async (round: number) => {
				// no-cache: the anonymous baseline reads the database too, not the isolate's shared answers.
				const headers: Record<string, string> = { "cf-connecting-ip": ip(tag, round), "cache-control": "no-cache" };
				if (token) headers.authorization = `Bearer ${token}`;
				const res = await fetch(`${stack.baseUrl}${path}`, { headers });
				await (await expectStatus(res, 200, name)).arrayBuffer();
			},
		});
		const samples = await measure(
			[
				get("anonymous read", `/api/users/${session.user.id}`, 1),
				get("authenticated read", `/api/users/${session.user.id}`, 2, session.accessToken),
				get("GET /api/users/me", "/api/users/me", 3, session.accessToken),
				{
					name: "login",
					run: async (round: number) => {
						const res = await fetch(`${stack.baseUrl}/api/auth/login`, {
							method: "POST",
							headers: { "content-type": "application/json", "cf-connecting-ip": ip(4, round) },
							body: JSON.stringify({ email, password: PASSWORD }),
						});
						await (await expectStatus(res, 200, "login")).arrayBuffer();
					},
				},
			],
			ROUNDS,
			5,
		);
		report(`auth: through wrangler dev, ${ROUNDS} requests per scenario`, samples);
	} finally {
		await stack.stop();
	}
}

main().catch((err: Error) => {
	console.error(err.message);
	process.exit(1);
});
