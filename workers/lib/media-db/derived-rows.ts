// The D1 rows that describe an asset's derived files (the files themselves live under its R2 prefix).
import { eq } from "drizzle-orm";
import { deleteCaptionRows } from "./caption-store";
import type { MediaDb } from "./media-db";
import { derivedFiles, renditions } from "./schema";

/** Forgets everything D1 lists of an asset's derived files: its manifests, pictures, ladder and caption tracks. */
export const deleteDerivedRows = (db: MediaDb, assetId: string) =>
	db.batch([
		db.delete(derivedFiles).where(eq(derivedFiles.assetId, assetId)),
		db.delete(renditions).where(eq(renditions.assetId, assetId)),
		...deleteCaptionRows(db, assetId),
	]);
