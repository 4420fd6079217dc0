// The D1 rows that describe an asset's derived files (the files themselves live under its R2 prefix).
import { eq } from "drizzle-orm";
import type { MediaDb } from "./media-db";
import { derivedFiles, renditions } from "./schema";

/** Forgets everything D1 lists of an asset's derived files: its manifests, pictures and ladder. */
export const deleteDerivedRows = (db: MediaDb, assetId: string) =>
	db.batch([
		db.delete(derivedFiles).where(eq(derivedFiles.assetId, assetId)),
		db.delete(renditions).where(eq(renditions.assetId, assetId)),
	]);
