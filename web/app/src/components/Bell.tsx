// The bell: the unread count, fed by the WebSocket, and the inbox on open.
import { useState } from "preact/hooks";
import { api } from "../lib/api";
import type { ApiError } from "../lib/problems";
import { live, refreshUnread, unread } from "../lib/realtime";
import { useStore } from "../lib/store";
import { Icon } from "./Icon";
import { Dialog, Empty, ErrorText, Loading } from "./ui";

interface Notification {
	id: string;
	type: string;
	data: Record<string, unknown>;
	readAt: string | null;
	createdAt: string;
}

const SENTENCES: Record<string, (d: Record<string, unknown>) => string> = {
	NEW_REEL: () => "Someone you follow posted a reel.",
	REEL_LIKED: () => "Someone liked your reel.",
	NEW_FOLLOWER: () => "You have a new follower.",
	NEW_COMMENT: () => "Someone commented on your reel.",
	TRANSCODE_PLAYABLE: () => "Your video can be watched and posted; the rest is still being processed.",
	TRANSCODE_READY: () => "Your video is ready to post.",
	LIVE_STARTED: (d) => `Someone you follow is live now${d.title ? `: ${String(d.title)}` : ""}.`,
	TRANSCODE_FAILED: (d) => `Your video could not be processed: ${String(d.error ?? "unknown reason")}`,
};

export function Bell() {
	const count = useStore(unread);
	const arrived = useStore(live);
	const [open, setOpen] = useState(false);
	const [items, setItems] = useState<Notification[] | null>(null);
	const [error, setError] = useState<string | null>(null);

	const show = async () => {
		setOpen(true);
		setError(null);
		try {
			const page = await api<{ items: Notification[] }>("/api/notifications?limit=30");
			setItems(page.items);
			await api("/api/notifications/read", { method: "POST", json: { all: true } });
			unread.set(0);
		} catch (e) {
			setError((e as ApiError).message);
			void refreshUnread();
		}
	};

	return (
		<>
			<button
				type="button"
				class="relative rounded-full p-2 text-xl"
				aria-label={`Notifications, ${count} unread`}
				onClick={() => void show()}
				data-unread={count}
			>
				<Icon name="bell" size={24} />
				{count > 0 ? (
					<span class="absolute -top-0.5 -right-0.5 min-w-5 rounded-full bg-red-600 px-1 text-center text-xs font-bold" aria-hidden="true">
						{count > 99 ? "99+" : count}
					</span>
				) : null}
			</button>
			<Dialog open={open} title="Notifications" onClose={() => setOpen(false)}>
				<ErrorText error={error} />
				{items === null && !error ? <Loading label="Loading notifications" /> : null}
				{items?.length === 0 ? <Empty>Nothing yet.</Empty> : null}
				<ul class="flex flex-col gap-2">
					{merge(arrived, items ?? []).map((n) => (
						<li key={n.id} class={`rounded-lg p-2 text-sm ${n.readAt ? "text-white/60" : "bg-white/5"}`}>
							{n.data.reelId ? (
								<a href={`/reel/${String(n.data.reelId)}`}>{SENTENCES[n.type]?.(n.data) ?? n.type}</a>
							) : (
								(SENTENCES[n.type]?.(n.data) ?? n.type)
							)}
						</li>
					))}
				</ul>
			</Dialog>
		</>
	);
}

/** The socket's events first (the inbox may not have them yet), then the inbox, each notification once. */
function merge(arrived: { type: string; at: string; data: Record<string, unknown> }[], inbox: Notification[]): Notification[] {
	const key = (type: string, data: Record<string, unknown>) => `${type}:${JSON.stringify(data)}`;
	const known = new Set(inbox.map((n) => key(n.type, n.data)));
	const fresh = arrived
		.filter((e) => !known.has(key(e.type, e.data)))
		.map((e) => ({ id: `live-${e.type}-${e.at}`, type: e.type, data: e.data, readAt: new Date().toISOString(), createdAt: e.at }));
	return [...fresh, ...inbox];
}
