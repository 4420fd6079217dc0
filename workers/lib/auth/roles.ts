/**
 * Every role an account can have. The one list: the Postgres enum, the token
 * claims, the API schemas and `npm run role:grant` all take it from here.
 */
export const ROLES = ["user", "creator", "admin"] as const;
export type Role = (typeof ROLES)[number];
