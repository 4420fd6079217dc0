// An account's notification preferences: read with the defaults filled in, and changed.
import { eq, sql } from "drizzle-orm";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { notificationPreferences } from "../../lib/postgres/schema";
import { type Channel, channelsOf, type EmailableType } from "../../realtime/notification-mail";

export interface Preferences {
	channels: Record<EmailableType, Channel>;
	digest: boolean;
}

export async function preferencesOf(db: RoutedDatabase, userId: string): Promise<Preferences> {
	const [row] = await db.read((q) => q.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId)).limit(1));
	return { channels: channelsOf(row?.channels), digest: row?.digest ?? false };
}

/** Merges `patch` into the stored preferences (one statement: two changes at once both land). */
export async function updatePreferences(
	db: RoutedDatabase,
	userId: string,
	patch: { channels?: Partial<Record<EmailableType, Channel>>; digest?: boolean },
): Promise<Preferences> {
	const channels = JSON.stringify(patch.channels ?? {});
	const [row] = await db.write((q) =>
		q
			.insert(notificationPreferences)
			.values({ userId, channels: patch.channels ?? {}, digest: patch.digest ?? false })
			.onConflictDoUpdate({
				target: notificationPreferences.userId,
				set: {
					channels: sql`${notificationPreferences.channels} || ${channels}::jsonb`,
					...(patch.digest === undefined ? {} : { digest: patch.digest }),
					updatedAt: new Date(),
				},
			})
			.returning(),
	);
	return { channels: channelsOf(row?.channels), digest: row?.digest ?? false };
}
