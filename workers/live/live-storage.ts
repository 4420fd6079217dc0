// What a LiveStream object keeps in its SQLite storage besides its small state: each rung's playlist
// entries (append-only: the playlists are rebuilt from them, so a long stream writes some 40 bytes a
// segment rather than its whole playlist every second) and the recent chat.

import { CHAT_BACKLOG, type ChatMessage } from "./live-chat";
import type { EntryStore } from "./live-publisher";

export function createLiveTables(sql: SqlStorage): void {
	sql.exec("CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY AUTOINCREMENT, rung INTEGER NOT NULL, line TEXT NOT NULL)");
	sql.exec("CREATE TABLE IF NOT EXISTS chat (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT, text TEXT NOT NULL, at TEXT NOT NULL)");
}

export function sqlEntryStore(sql: SqlStorage): EntryStore & { rungs(): number[] } {
	return {
		entries: (rung) =>
			sql
				.exec<{ line: string }>("SELECT line FROM entries WHERE rung = ? ORDER BY id", rung)
				.toArray()
				.map((r) => r.line),
		append: (rung, lines) => {
			for (const line of lines) sql.exec("INSERT INTO entries (rung, line) VALUES (?, ?)", rung, line);
		},
		rungs: () =>
			sql
				.exec<{ rung: number }>("SELECT DISTINCT rung FROM entries ORDER BY rung")
				.toArray()
				.map((r) => r.rung),
	};
}

/** The last CHAT_BACKLOG messages, for viewers who join later. */
export function chatLog(sql: SqlStorage) {
	return {
		recent: (): ChatMessage[] =>
			sql
				.exec<{ id: string; user_id: string; name: string | null; text: string; at: string }>("SELECT * FROM chat ORDER BY at")
				.toArray()
				.map((r) => ({ id: r.id, userId: r.user_id, name: r.name, text: r.text, at: r.at })),
		add(m: ChatMessage): void {
			sql.exec("INSERT INTO chat (id, user_id, name, text, at) VALUES (?, ?, ?, ?, ?)", m.id, m.userId, m.name, m.text, m.at);
			sql.exec("DELETE FROM chat WHERE id NOT IN (SELECT id FROM chat ORDER BY at DESC LIMIT ?)", CHAT_BACKLOG);
		},
	};
}
