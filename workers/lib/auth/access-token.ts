import { errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { configOf } from "../config/config";
import { uuidv7 } from "../ids/uuidv7";
import { LsnSchema } from "../postgres/consistency-token";
import { HttpProblem } from "../problems/http-problem";
import { ROLES, type Role } from "./roles";
import { JWT_ALGORITHM, signingKeys } from "./signing-keys";

/** Tolerated clock difference between the issuer and a verifier. */
export const CLOCK_SKEW_S = 30;

export interface AccessClaims {
	sub: string;
	role: Role;
	/** The session (refresh-token family) this token belongs to; logout revokes it. */
	sid: string;
	jti: string;
	/** WAL position of the write that created or rotated the session (read-your-writes for the bearer). */
	lsn?: string;
	/** Expiry, seconds since the epoch. */
	exp: number;
	/** Issued at, seconds since the epoch (the `jti`, a UUIDv7, has it to the millisecond). */
	iat: number;
}

const ClaimsSchema = z.object({
	sub: z.uuid(),
	role: z.enum(ROLES),
	sid: z.uuid(),
	jti: z.string().min(1),
	lsn: LsnSchema.optional(),
	exp: z.number().int(),
	iat: z.number().int(),
});

export async function signAccessToken(
	env: Env,
	claims: Omit<AccessClaims, "jti" | "exp" | "iat">,
): Promise<{ token: string; expiresIn: number }> {
	const config = configOf(env);
	const { current } = await signingKeys(env);
	const expiresIn = config.ACCESS_TOKEN_TTL_SECONDS;
	const token = await new SignJWT({ role: claims.role, sid: claims.sid, ...(claims.lsn ? { lsn: claims.lsn } : {}) })
		.setProtectedHeader({ alg: JWT_ALGORITHM, kid: current.kid, typ: "JWT" })
		.setIssuer(config.JWT_ISSUER)
		.setAudience(config.JWT_AUDIENCE)
		.setSubject(claims.sub)
		.setJti(uuidv7())
		.setIssuedAt()
		.setNotBefore("0s")
		.setExpirationTime(`${expiresIn}s`)
		.sign(current.key);
	return { token, expiresIn };
}

export const invalidToken = (detail: string) =>
	new HttpProblem(401, "invalid_token", detail, {}, { "WWW-Authenticate": `Bearer error="invalid_token", error_description="${detail}"` });

/**
 * Tokens this isolate verified lately, by key set: a client sends the same token with every request
 * for its 15 minutes, and checking its signature again each time was 4 % of a signed-in read's CPU
 * in the Worker's profile (docs/benchmarks.md). Kept at most VERIFIED_FOR_MS and never past the
 * token's expiry, so a key withdrawn from the set stops its tokens within that time too. The gate
 * (authenticate.ts) is still asked every time: revocation does not wait for this.
 */
const verifiedLately = new WeakMap<Map<string, CryptoKey>, Map<string, { claims: AccessClaims; untilMs: number }>>();
const VERIFIED_FOR_MS = 60_000;
const VERIFIED_MAX = 5_000;

/**
 * Verifies signature (EdDSA only: never `none`, never HS/RS), issuer,
 * audience, exp and nbf with a small skew, and the claims we rely on.
 */
export async function verifyAccessToken(env: Env, token: string): Promise<AccessClaims> {
	const config = configOf(env);
	const { verifying } = await signingKeys(env);
	const lately = verifiedLately.get(verifying) ?? new Map();
	verifiedLately.set(verifying, lately);
	const cacheKey = `${config.JWT_ISSUER} ${config.JWT_AUDIENCE} ${token}`;
	const known = lately.get(cacheKey);
	if (known && known.untilMs > Date.now()) return known.claims;
	if (known) lately.delete(cacheKey);
	const claims = await verifySignedToken(config, verifying, token);
	lately.set(cacheKey, { claims, untilMs: Math.min(Date.now() + VERIFIED_FOR_MS, (claims.exp + CLOCK_SKEW_S) * 1000) });
	if (lately.size > VERIFIED_MAX) {
		const oldest = lately.keys().next().value;
		if (oldest !== undefined) lately.delete(oldest);
	}
	return claims;
}

async function verifySignedToken(
	config: ReturnType<typeof configOf>,
	verifying: Map<string, CryptoKey>,
	token: string,
): Promise<AccessClaims> {
	try {
		const { payload } = await jwtVerify(
			token,
			(header) => {
				const key = header.kid ? verifying.get(header.kid) : undefined;
				if (!key) throw new errors.JWKSNoMatchingKey();
				return key;
			},
			{
				algorithms: [JWT_ALGORITHM],
				issuer: config.JWT_ISSUER,
				audience: config.JWT_AUDIENCE,
				clockTolerance: CLOCK_SKEW_S,
				requiredClaims: ["exp", "iat", "jti", "sub"],
			},
		);
		const claims = ClaimsSchema.safeParse(payload);
		if (!claims.success) throw invalidToken("The token's claims are incomplete.");
		return claims.data;
	} catch (err) {
		if (err instanceof HttpProblem) throw err;
		if (err instanceof errors.JWTExpired) throw invalidToken("The token has expired.");
		if (err instanceof errors.JWTClaimValidationFailed) throw invalidToken(`The token's ${err.claim} claim is not acceptable.`);
		if (err instanceof errors.JWKSNoMatchingKey) throw invalidToken("The token was signed with an unknown key.");
		throw invalidToken("The token is malformed or its signature does not verify.");
	}
}
