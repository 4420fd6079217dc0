// The bell: the unread count, fed by the WebSocket, and on open the follow
// requests waiting for an answer (a private account's) and the inbox.
import { useState } from "preact/hooks";
import { api } from "../lib/api";
import type { ApiError } from "../lib/problems";
import { live, refreshUnread, unread } from "../lib/realtime";
import { useStore } from "../lib/store";
import { Icon } from "./Icon";
import { Button, Dialog, Empty, ErrorText, Loading } from "./ui";

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
	NEW_FOLLOWER: (d) => `${String(d.followerName || "Someone")} followed you.`,
	FOLLOW_REQUESTED: (d) => `${String(d.requesterName || "Someone")} asked to follow you.`,
	FOLLOW_ACCEPTED: (d) => `${String(d.userName || "Someone")} accepted your follow request.`,
	NEW_COMMENT: () => "Someone commented on your reel.",
	TRANSCODE_PLAYABLE: () => "Your video can be watched and posted; the rest is still being processed.",
	TRANSCODE_READY: () => "Your video is ready to post.",
	LIVE_STARTED: (d) => `Someone you follow is live now${d.title ? `: ${String(d.title)}` : ""}.`,
	TRANSCODE_FAILED: (d) => `Your video could not be processed: ${String(d.error ?? "unknown reason")}`,
};

interface FollowRequest {
	id: string;
	name: string;
	requestedAt: string;
}

export function Bell() {
	const count = useStore(unread);
	const arrived = useStore(live);
	const [open, setOpen] = useState(false);
	const [items, setItems] = useState<Notification[] | null>(null);
	const [requests, setRequests] = useState<FollowRequest[]>([]);
	const [error, setError] = useState<string | null>(null);

	const answer = async (requester: FollowRequest, approve: boolean) => {
		setError(null);
		try {
			await api(`/api/users/me/follow-requests/${requester.id}`, { method: "POST", json: { approve } });
			setRequests((list) => list.filter((r) => r.id !== requester.id));
		} catch (e) {
			setError((e as ApiError).message);
		}
	};

	const show = async () => {
		setOpen(true);
		setError(null);
		try {
			const [page, pending] = await Promise.all([
				api<{ items: Notification[] }>("/api/notifications?limit=30"),
				api<{ items: FollowRequest[] }>("/api/users/me/follow-requests?limit=20"),
			]);
			setItems(page.items);
			setRequests(pending.items);
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
				{requests.length ? (
					<section aria-labelledby="follow-requests" class="mb-3 flex flex-col gap-2">
						<h3 id="follow-requests" class="text-sm font-semibold">
							Follow requests
						</h3>
						<ul class="flex flex-col gap-2">
							{requests.map((r) => (
								<li key={r.id} class="flex items-center gap-2 rounded-lg bg-white/5 p-2 text-sm">
									<a href={`/u/${r.id}`} class="flex-1 font-semibold">
										{r.name}
									</a>
									<Button onClick={() => void answer(r, true)} aria-label={`Approve ${r.name}`}>
										Approve
									</Button>
									<Button variant="ghost" onClick={() => void answer(r, false)} aria-label={`Decline ${r.name}`}>
										Decline
									</Button>
								</li>
							))}
						</ul>
					</section>
				) : null}
				{items === null && !error ? <Loading label="Loading notifications" /> : null}
				{items !== null && merge(arrived, items).length === 0 && requests.length === 0 ? <Empty>Nothing yet.</Empty> : null}
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
