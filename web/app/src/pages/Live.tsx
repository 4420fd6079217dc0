// Live: the streams on now, one stream's player with its viewer count and
// chat, and Go Live (the camera and microphone, published from the browser).
import { useEffect, useRef, useState } from "preact/hooks";
import { ReelPlayer } from "../components/ReelPlayer";
import { Button, Empty, ErrorText, Field, Loading } from "../components/ui";
import { answer, api, session } from "../lib/api";
import { createLive, getLive, listLive, publishCamera, watchLive } from "../lib/live";
import type { ApiError } from "../lib/problems";
import { navigate } from "../lib/router";
import { askToSignIn, takePendingAction } from "../lib/sign-in-first";
import type { ChatMessage, LiveStream } from "../lib/types";

/** The stream's state; on the broadcaster's own page a stream not yet receiving video is "Connecting". */
function StatusBadge({ status, own = false }: { status: LiveStream["status"]; own?: boolean }) {
	const look = { live: "bg-red-600", idle: "bg-white/20", ended: "bg-white/10 text-white/70" }[status];
	const text = { live: "LIVE", idle: own ? "Connecting" : "Starting soon", ended: "Ended" }[status];
	return <span class={`rounded px-2 py-0.5 text-xs font-bold ${look}`}>{text}</span>;
}

/**
 * Status, viewer count and chat of one stream, from its socket: opened again when the stream or
 * the person changes (a session resumed after the page opened chats as that person, not as a
 * visitor), each stream's chat its own.
 */
function useLiveSocket(id: string, initial: LiveStream["status"]) {
	const me = session.value;
	const [status, setStatus] = useState(initial);
	const [viewers, setViewers] = useState(0);
	const [chat, setChat] = useState<ChatMessage[]>([]);
	const [error, setError] = useState<string | null>(null);
	const socket = useRef<ReturnType<typeof watchLive>>();
	const shown = useRef(id);
	useEffect(() => {
		if (shown.current !== id) {
			shown.current = id;
			setChat([]);
			setStatus(initial);
		}
		setError(null);
		const s = watchLive(id, {
			status: setStatus,
			viewers: setViewers,
			// A reconnect sends the recent chat again: each message is shown once.
			chat: (m) => setChat((all) => (all.some((x) => x.id === m.id) ? all : [...all, m].slice(-100))),
			error: setError,
		});
		socket.current = s;
		return () => s.close();
	}, [id, me?.user.id]);
	return { status, viewers, chat, error, say: (text: string) => socket.current?.say(text) };
}

function Chat({
	streamId,
	messages,
	error,
	onSay,
}: {
	streamId: string;
	messages: ChatMessage[];
	error: string | null;
	onSay: (text: string) => void;
}) {
	const me = session.value;
	const [text, setText] = useState("");
	const input = useRef<HTMLInputElement>(null);
	// Back from the sign-in sheet: the box is ready to type in.
	useEffect(() => {
		if (me && takePendingAction((a) => a.kind === "chat" && a.streamId === streamId)) input.current?.focus();
	}, [me, streamId]);
	return (
		<section aria-label="Chat" class="flex min-h-0 flex-1 flex-col gap-2">
			<ol class="flex max-h-64 flex-col gap-1 overflow-y-auto text-sm md:max-h-none md:flex-1" aria-live="polite">
				{messages.map((m) => (
					<li key={m.id}>
						<span class="font-semibold text-yellow-300">{m.name ?? "someone"}</span> {m.text}
					</li>
				))}
			</ol>
			<ErrorText error={error} />
			{me ? (
				<form
					class="flex gap-2"
					onSubmit={(e) => {
						e.preventDefault();
						if (text.trim()) onSay(text);
						setText("");
					}}
				>
					<input
						ref={input}
						aria-label="Say something"
						placeholder="Say something…"
						maxLength={300}
						value={text}
						onInput={(e) => setText((e.target as HTMLInputElement).value)}
						class="flex-1 rounded-full border border-white/20 bg-white/5 px-3 py-1 text-sm"
					/>
					<Button type="submit">Send</Button>
				</form>
			) : (
				<p class="text-sm text-white/60">
					<button
						type="button"
						class="underline"
						onClick={() => askToSignIn("Sign in to chat with the stream.", { kind: "chat", streamId })}
					>
						Sign in
					</button>{" "}
					to chat.
				</p>
			)}
		</section>
	);
}

export function LiveListPage() {
	const me = session.value;
	const [streams, setStreams] = useState<LiveStream[] | null>(null);
	const [error, setError] = useState<string | null>(null);
	useEffect(() => {
		listLive().then(
			(p) => setStreams(p.items),
			(e: ApiError) => setError(e.message),
		);
	}, []);
	return (
		<div class="mx-auto flex max-w-lg flex-col gap-4 px-4 pt-16">
			<div class="flex items-center justify-between">
				<h1 class="text-xl font-bold">Live now</h1>
				{me ? (
					<a href="/live/new" class="rounded-full bg-red-600 px-3 py-1 text-sm font-semibold">
						Go live
					</a>
				) : null}
			</div>
			<ErrorText error={error} />
			{streams === null && !error ? <Loading /> : null}
			{streams?.length === 0 ? <Empty>Nobody is live right now.</Empty> : null}
			<ul class="flex flex-col gap-2">
				{streams?.map((s) => (
					<li key={s.id}>
						<a href={`/live/${s.id}`} class="flex items-center gap-3 rounded-lg bg-white/5 p-3">
							<StatusBadge status={s.status} />
							<span class="flex-1 truncate">{s.title ?? "Untitled stream"}</span>
							<span class="text-sm text-white/70">{s.viewers} watching</span>
						</a>
					</li>
				))}
			</ul>
		</div>
	);
}

export function LivePage({ id }: { id: string }) {
	const [stream, setStream] = useState<LiveStream | null>(null);
	const [error, setError] = useState<string | null>(null);
	useEffect(() => {
		// Another stream opened meanwhile: this answer is not for the page any more.
		let current = true;
		getLive(id).then(
			(s) => current && setStream(s),
			(e: ApiError) => current && setError(e.message),
		);
		return () => {
			current = false;
		};
	}, [id]);
	if (error)
		return (
			<div class="px-4 pt-16">
				<ErrorText error={error} />
			</div>
		);
	if (!stream) return <Loading />;
	return <Watch stream={stream} />;
}

/**
 * A portrait frame, as tall as the window allows: live streams from phones and from Go Live are
 * 9:16; a landscape stream (an encoder, a desk camera) is letterboxed inside it.
 */
const PORTRAIT_FRAME = "mx-auto aspect-[9/16] h-[62vh] max-w-full overflow-hidden rounded-lg bg-black md:h-[78vh]";

function Watch({ stream }: { stream: LiveStream }) {
	const live = useLiveSocket(stream.id, stream.status);
	// One column on a phone (title, video, chat); on a desk the video on the left, title and chat beside it.
	return (
		<div class="mx-auto grid min-h-full max-w-4xl gap-3 px-4 pt-16 pb-24 md:grid-cols-[auto_minmax(0,1fr)] md:grid-rows-[auto_1fr] md:gap-x-6 md:pb-6">
			<div class="flex items-center gap-2 md:col-start-2 md:row-start-1">
				<StatusBadge status={live.status} />
				<h1 class="flex-1 truncate font-bold md:text-lg">{stream.title ?? "Untitled stream"}</h1>
				<span class="text-sm text-white/70">{live.viewers} watching</span>
			</div>
			<div class={`${PORTRAIT_FRAME} md:col-start-1 md:row-span-2 md:row-start-1`}>
				{live.status === "idle" ? (
					<p class="p-4 text-sm text-white/70">The stream starts as soon as its first seconds arrive.</p>
				) : (
					<ReelPlayer
						src={stream.playback.hls}
						poster={null}
						active
						preload={false}
						live
						fill={false}
						label={stream.title ?? "Live stream"}
					/>
				)}
			</div>
			<div class="flex min-h-0 flex-col md:col-start-2 md:row-start-2">
				<Chat streamId={stream.id} messages={live.chat} error={live.error} onSay={live.say} />
			</div>
		</div>
	);
}

type GoLiveStage = { kind: "setup" } | { kind: "publishing"; stream: LiveStream } | { kind: "ended"; stream: LiveStream; reason: string };

export function GoLivePage() {
	const preview = useRef<HTMLVideoElement>(null);
	const [media, setMedia] = useState<MediaStream | null>(null);
	const [title, setTitle] = useState("");
	const [stage, setStage] = useState<GoLiveStage>({ kind: "setup" });
	const [error, setError] = useState<string | null>(null);
	const publisher = useRef<ReturnType<typeof publishCamera>>();

	// Leaving the page turns the camera off.
	useEffect(
		() => () => {
			for (const t of media?.getTracks() ?? []) t.stop();
		},
		[media],
	);
	useEffect(() => {
		if (preview.current && media) preview.current.srcObject = media;
	}, [media, stage.kind]);

	const startCamera = async () => {
		setError(null);
		try {
			// Portrait, as viewers watch it: a landscape camera (a laptop's) is cropped to 9:16 by the browser.
			setMedia(
				await navigator.mediaDevices.getUserMedia({
					video: { width: { ideal: 720 }, height: { ideal: 1280 }, aspectRatio: { ideal: 9 / 16 } },
					audio: true,
				}),
			);
		} catch (e) {
			setError(`The camera could not be opened: ${(e as Error).message}`);
		}
	};
	const goLive = async () => {
		if (!media) return;
		setError(null);
		try {
			const stream = await createLive(title.trim());
			setStage({ kind: "publishing", stream });
			publisher.current = publishCamera(stream, media, (code, reason) =>
				setStage({ kind: "ended", stream, reason: code === 1000 ? "You ended the stream." : reason || `closed (${code})` }),
			);
		} catch (e) {
			setError((e as ApiError).message);
		}
	};
	const post = async () => {
		if (stage.kind !== "ended") return;
		try {
			// The recording is ready once the stream has ended; posting it is posting any video.
			const reel = await answer(api.POST("/api/reels", { body: { video_id: stage.stream.videoId, caption: stage.stream.title ?? "" } }));
			navigate(`/reel/${reel.id}`);
		} catch (e) {
			setError((e as ApiError).message);
		}
	};

	return (
		<div class="mx-auto flex min-h-full max-w-4xl flex-col gap-3 px-4 pt-16 pb-24 md:flex-row md:items-start md:gap-6 md:pb-6">
			<div class={PORTRAIT_FRAME}>
				<video ref={preview} muted autoplay playsInline class="h-full w-full object-cover" aria-label="Camera preview" />
			</div>
			<div class="flex min-w-0 flex-1 flex-col gap-3">
				<h1 class="text-xl font-bold">Go live</h1>
				<ErrorText error={error} />
				{stage.kind === "setup" ? (
					<>
						<Field
							label="Title"
							name="title"
							maxLength={120}
							value={title}
							onInput={(e) => setTitle((e.target as HTMLInputElement).value)}
						/>
						{media ? (
							<Button variant="danger" onClick={() => void goLive()}>
								Start streaming
							</Button>
						) : (
							<Button onClick={() => void startCamera()}>Turn on camera and microphone</Button>
						)}
					</>
				) : null}
				{stage.kind === "publishing" ? <Publishing stream={stage.stream} onEnd={() => publisher.current?.stop()} /> : null}
				{stage.kind === "ended" ? (
					<>
						<p role="status">{stage.reason} The recording is being finished.</p>
						<Button onClick={() => void post()}>Post the recording as a reel</Button>
					</>
				) : null}
			</div>
		</div>
	);
}

function Publishing({ stream, onEnd }: { stream: LiveStream; onEnd: () => void }) {
	const live = useLiveSocket(stream.id, stream.status);
	return (
		<>
			<div class="flex items-center gap-2" role="status">
				<StatusBadge status={live.status} own />
				<span class="flex-1 text-sm">{live.status === "live" ? "You are live." : "Sending your first seconds…"}</span>
				<span class="text-sm text-white/70">{live.viewers} watching</span>
			</div>
			<a href={`/live/${stream.id}`} class="text-sm underline" target="_blank" rel="noreferrer">
				Your stream's page
			</a>
			<Button variant="danger" onClick={onEnd}>
				End stream
			</Button>
			<Chat streamId={stream.id} messages={live.chat} error={live.error} onSay={live.say} />
		</>
	);
}
