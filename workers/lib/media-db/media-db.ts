import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** Drizzle over the MEDIA_DB binding. */
export const mediaDb = (env: Env) => drizzle(env.MEDIA_DB, { schema });
export type MediaDb = ReturnType<typeof mediaDb>;
