import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Same SQL the app deploys with (migrations/d1); applying twice is a no-op.
await applyD1Migrations(env.MEDIA_DB, env.TEST_MIGRATIONS);
