// The bell: the unread count, fed by the WebSocket, and on open the follow
// requests waiting for an answer (a private account's) and the inbox, grouped
// and in sentences (lib/notifications.ts).
import { useRef, useState } from "preact/hooks";
import { answer, api } from "../lib/api";
import { imgSrc } from "../lib/media";
import { eventKey, groupNotifications, type Notification, type NotificationGroup, relativeTime, sentence } from "../lib/notifications";
import type { ApiError } from "../lib/problems";
import { live, refreshUnread, unread } from "../lib/realtime";
import type { Schemas } from "../lib/types";
import { Icon } from "./Icon";
import { Avatar, Button, Dialog, Empty, ErrorText, Loading } from "./ui";

type FollowRequest = Schemas["FollowRequestPage"]["items"][number];

export function Bell() {
	const count = unread.value;
	const arrived = live.value;
	const [open, setOpen] = useState(false);
	const [items, setItems] = useState<Notification[] | null>(null);
	const [requests, setRequests] = useState<FollowRequest[]>([]);
	const [error, setError] = useState<string | null>(null);

	const decide = async (requester: FollowRequest, approve: boolean) => {
		setError(null);
		try {
			await api.POST("/api/users/me/follow-requests/{userId}", { params: { path: { userId: requester.id } }, body: { approve } });
			setRequests((list) => list.filter((r) => r.id !== requester.id));
		} catch (e) {
			setError((e as ApiError).message);
		}
	};

	const groups = items === null ? [] : groupNotifications(merge(arrived, items));

	// Read by the retries after an await: the list may have been closed meanwhile.
	const isOpen = useRef(false);
	isOpen.current = open;

	const show = async () => {
		isOpen.current = true;
		setOpen(true);
		setError(null);
		try {
			const [page, pending] = await Promise.all([
				answer(api.GET("/api/notifications", { params: { query: { limit: 30 } } })),
				answer(api.GET("/api/users/me/follow-requests", { params: { query: { limit: 20 } } })),
			]);
			setItems(page.items);
			setRequests(pending.items);
			await api.POST("/api/notifications/read", { body: { all: true } });
			unread.value = 0;
			// Something came on the socket that the inbox (read from a replica) did not have yet, before the
			// list opened or while it is open: it is shown as "Someone…" until the replica catches up, so
			// look again, less often each time, while the list is open, and ask for who when something is
			// missing. Only events newer than the page's oldest can be missing from it.
			let inbox = page.items;
			const missing = () => {
				const oldest = inbox.at(-1)?.createdAt ?? "";
				const recent = live.value.filter((e) => e.at >= oldest);
				return merge(recent, inbox).length > inbox.length;
			};
			for (let wait = 1_000; wait <= 4_000; wait += 1_000) {
				await new Promise((r) => setTimeout(r, wait));
				if (!isOpen.current) return;
				if (!missing()) continue;
				inbox = (await answer(api.GET("/api/notifications", { params: { query: { limit: 30 } } }))).items;
				setItems(inbox);
				await api.POST("/api/notifications/read", { body: { all: true } });
			}
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
									<a href={`/u/${r.id}`} class="min-w-0 flex-1 truncate font-semibold">
										{r.name}
									</a>
									<Button onClick={() => void decide(r, true)} aria-label={`Approve ${r.name}`}>
										Approve
									</Button>
									<Button variant="ghost" onClick={() => void decide(r, false)} aria-label={`Decline ${r.name}`}>
										Decline
									</Button>
								</li>
							))}
						</ul>
					</section>
				) : null}
				{items === null && !error ? <Loading label="Loading notifications" /> : null}
				{items !== null && groups.length === 0 && requests.length === 0 ? (
					<Empty>No notifications yet. Likes, comments, mentions and new followers will show up here.</Empty>
				) : null}
				<ul class="flex flex-col gap-1" aria-label="Notifications">
					{groups.map((g) => (
						<Row key={g.key} group={g} onOpen={() => setOpen(false)} />
					))}
				</ul>
			</Dialog>
		</>
	);
}

/** The socket's events first (the inbox may not have them yet), then the inbox, each notification once. */
function merge(arrived: { type: string; at: string; data: Record<string, unknown> }[], inbox: Notification[]): Notification[] {
	const known = new Set(inbox.map((n) => eventKey(n.type, n.data)));
	const fresh = arrived
		.filter((e) => !known.has(eventKey(e.type, e.data)))
		// Arrived on the socket before the replica had it: no actor yet ("Someone"), unread.
		.map((e) => ({ id: `live-${e.type}-${e.at}`, type: e.type, data: e.data, actor: null, link: null, readAt: null, createdAt: e.at }));
	return [...fresh, ...inbox];
}

/** One group: the newest actor's avatar, the sentence, how long ago; the whole row leads to its link. */
function Row({ group: g, onOpen }: { group: NotificationGroup; onOpen: () => void }) {
	const { who, what } = sentence(g);
	const actor = g.actors[0];
	const body = (
		<>
			{actor ? (
				<Avatar name={actor.name} url={imgSrc(actor.avatarUrl, 160)} size={40} />
			) : (
				// Your own upload's news: a film frame, not a person.
				<span class="inline-flex size-10 shrink-0 items-center justify-center rounded-full bg-white/10">
					<Icon name="film" size={20} />
				</span>
			)}
			<span class="min-w-0 flex-1 break-words">
				{who ? <strong>{who}</strong> : null} {what} <span class="whitespace-nowrap text-white/60">{relativeTime(g.latest.createdAt)}</span>
			</span>
			{g.unread ? <span class="size-2 shrink-0 rounded-full bg-sky-400" role="img" aria-label="Unread" /> : null}
		</>
	);
	const cls = `flex items-center gap-3 rounded-lg p-2 text-sm ${g.unread ? "bg-white/5" : ""}`;
	return (
		<li>
			{g.link ? (
				<a href={g.link} class={`${cls} hover:bg-white/10`} onClick={onOpen}>
					{body}
				</a>
			) : (
				<div class={cls}>{body}</div>
			)}
		</li>
	);
}
