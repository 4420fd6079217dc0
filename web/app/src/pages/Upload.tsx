// Upload: pick or drop a video; it goes up over tus in 5 MiB chunks with a real
// progress bar and resumes after a reload (pick the same file again: tus finds
// the upload by the file's fingerprint and asks the server where it stopped).
// Then the transcode's progress arrives over the WebSocket until the reel is
// playable. The caption and who can see it can be written the whole time; the
// file shows its name, size and a preview, and can be cancelled or replaced.
// Once the video is ready, a caption file (WebVTT or SRT) may go with it: it is
// sent, and checked, before the reel is posted, so a file with a mistake is
// fixed here rather than found later. Subtitles made from what the video says
// are shown cue by cue to be corrected; a correction becomes the creator's own
// track when the reel is posted. The cover is picked from a strip of the video's
// frames (CoverPicker), and the reel can be trimmed (TrimControl: a trimmed reel
// is a clip of the video, with its own cover and generated subtitles). Posting ends on a confirmation with the
// reel's link and the profile.
import { useEffect, useReducer, useRef, useState } from "preact/hooks";
import type { Upload as TusUpload } from "tus-js-client";
import { CoverPicker } from "../components/CoverPicker";
import { type Range, TrimControl } from "../components/TrimControl";
import { Button, ErrorText } from "../components/ui";
import { accessToken, answer, api, profilePath, session } from "../lib/api";
import { type ApiError, humanize } from "../lib/problems";
import { onEvent } from "../lib/realtime";
import type { Reel } from "../lib/types";
import { newsFromEvent, newsFromStatus, uploadReducer } from "../lib/upload-stage";
import { clock, type EditableCue, keptCues, readCues, writeVtt } from "../lib/webvtt-cues";

/** The server's chunk size (tus PATCH bodies must be exactly this, but the last). */
const CHUNK_BYTES = 5 * 1024 * 1024;

const percent = (n: number, of: number) => (of ? Math.floor((n / of) * 100) : 0);

function Bar({ value, label }: { value: number; label: string }) {
	return (
		<div class="flex flex-col gap-1">
			<div class="flex justify-between text-sm text-white/80">
				<span>{label}</span>
				<span>{value}%</span>
			</div>
			<div
				role="progressbar"
				aria-label={label}
				aria-valuemin={0}
				aria-valuemax={100}
				aria-valuenow={value}
				class="h-3 overflow-hidden rounded-full bg-white/10"
			>
				<div class="h-full bg-yellow-400 transition-[width]" style={{ width: `${value}%` }} />
			</div>
		</div>
	);
}

type Visibility = Reel["visibility"];
/** Who may watch a reel, as a person reads it. */
const VISIBILITY: [Visibility, string][] = [
	["public", "Everyone"],
	["unlisted", "Anyone with the link"],
	["followers", "Approved followers (private accounts)"],
	["private", "Only me"],
];

/** Languages offered for a caption file: the viewer's own first, then the most used. */
const CAPTION_LANGUAGES = ["en", "es", "pt", "fr", "de", "it", "nl", "pl", "tr", "ru", "ar", "hi", "id", "ja", "ko", "zh"];

function captionLanguages(): { tag: string; name: string }[] {
	const names = new Intl.DisplayNames([navigator.language || "en"], { type: "language", fallback: "code" });
	const own = (navigator.language || "en").split("-")[0] as string;
	return [own, ...CAPTION_LANGUAGES.filter((l) => l !== own)].map((tag) => ({ tag, name: names.of(tag) ?? tag }));
}

export function UploadPage() {
	const [stage, dispatch] = useReducer(uploadReducer, { kind: "pick" });
	const [caption, setCaption] = useState("");
	const [visibility, setVisibility] = useState<Visibility>("public");
	const [error, setError] = useState<string | null>(null);
	const [dragging, setDragging] = useState(false);
	const [file, setFile] = useState<{ name: string; size: number; preview: string } | null>(null);
	const [copied, setCopied] = useState(false);
	const [captionFile, setCaptionFile] = useState<File | null>(null);
	const [captionLang, setCaptionLang] = useState(() => (navigator.language || "en").split("-")[0] as string);
	const [generated, setGenerated] = useState<{ lang: string; label: string; cues: EditableCue[]; edited: boolean } | null>(null);
	const [trim, setTrim] = useState<Range | null>(null);
	const me = session.value;
	const upload = useRef<TusUpload>();

	// The local preview is a blob URL: let it go when the file changes or the page closes.
	useEffect(() => () => void (file && URL.revokeObjectURL(file.preview)), [file?.preview]);

	// Transcode progress and the end, from the socket: the reducer keeps only this video's news.
	useEffect(
		() =>
			onEvent((e) => {
				const news = newsFromEvent(e);
				if (news) dispatch({ type: "transcode", news });
			}),
		[],
	);

	// The socket may have spoken before this page listened: ask the video's status once it is processing.
	const processingId = stage.kind === "processing" ? stage.assetId : null;
	useEffect(() => {
		if (!processingId) return;
		answer(api.GET("/api/videos/{id}/status", { params: { path: { id: processingId } } }))
			.then((s) => {
				const news = newsFromStatus(processingId, s);
				if (news) dispatch({ type: "transcode", news });
			})
			.catch(() => undefined);
	}, [processingId]);

	useEffect(() => () => void upload.current?.abort(), []);

	// A ready video's generated track, if its speech was recognised: its cues, to be read and corrected.
	const readyId = stage.kind === "ready" && stage.final ? stage.assetId : null;
	useEffect(() => {
		setGenerated(null);
		if (!readyId) return;
		let gone = false;
		(async () => {
			const { captions } = await answer(api.GET("/api/videos/{id}/captions", { params: { path: { id: readyId } } }));
			const track = captions.find((t) => t.generated);
			if (!track || gone) return;
			const cues = readCues(await (await fetch(track.url)).text());
			if (!gone && cues.length > 0) setGenerated({ lang: track.lang, label: track.label, cues, edited: false });
		})().catch(() => undefined);
		return () => {
			gone = true;
		};
	}, [readyId]);

	const correct = (i: number, text: string) =>
		setGenerated((g) => (g ? { ...g, edited: true, cues: g.cues.map((c, j) => (j === i ? { ...c, text } : c)) } : g));

	const start = async (file: File) => {
		setError(null);
		// A range chosen for the last file means nothing for this one.
		setTrim(null);
		setFile({ name: file.name, size: file.size, preview: URL.createObjectURL(file) });
		// Loaded when needed: the feed, which most visits are, never pays for it.
		const { Upload: Tus } = await import("tus-js-client");
		const up = new Tus(file, {
			endpoint: "/api/uploads/tus",
			chunkSize: CHUNK_BYTES,
			retryDelays: [0, 1000, 3000, 5000, 10000],
			metadata: { filename: file.name, filetype: file.type },
			storeFingerprintForResuming: true,
			removeFingerprintOnSuccess: true,
			onBeforeRequest: async (req) => {
				const token = await accessToken();
				if (token) req.setHeader("Authorization", `Bearer ${token}`);
			},
			onProgress: (sent, total) => dispatch({ type: "sent", sent, total }),
			onChunkComplete: (_chunk, saved, total) => dispatch({ type: "saved", saved, total }),
			onSuccess: () => dispatch({ type: "uploaded", assetId: up.url?.split("/").pop() ?? "" }),
			onError: (err) => {
				const body = (err as { originalResponse?: { getBody(): string; getStatus(): number } }).originalResponse;
				let message = err.message;
				if (body) {
					try {
						const p = JSON.parse(body.getBody()) as { detail?: string; code?: string };
						message = humanize({ status: body.getStatus(), code: p.code ?? "", ...(p.detail ? { detail: p.detail } : {}) });
					} catch {
						// keep tus's own message
					}
				}
				dispatch({ type: "upload-failed", message });
			},
		});
		upload.current = up;
		const previous = await up.findPreviousUploads();
		const resumed = previous[0];
		if (resumed) up.resumeFromPreviousUpload(resumed);
		dispatch({ type: "started", total: file.size });
		up.start();
	};

	/** One caption track sent as text (WebVTT, or SRT by its file name), answered or thrown. */
	const putTrack = (path: { id: string; lang: string }, text: string, type: "text/vtt" | "application/x-subrip") =>
		answer(
			api.PUT("/api/videos/{id}/captions/{lang}", {
				params: { path },
				body: text,
				bodySerializer: (body: string) => body,
				headers: { "content-type": type },
			}),
		);

	const post = async () => {
		if (stage.kind === "too-long") {
			// Only a part of it can be a reel: that part is cut from the kept original as a clip of its own.
			if (!trim) return;
			try {
				const reel = await answer(api.POST("/api/reels", { body: { video_id: stage.assetId, caption, visibility, clip: trim } }));
				dispatch({ type: "posted", reelId: reel.id });
			} catch (e) {
				setError((e as ApiError).message);
			}
			return;
		}
		if (stage.kind !== "ready") return;
		try {
			// A trimmed reel is a clip of the video: the video's tracks and cover stay the video's.
			if (!trim && !captionFile && generated?.edited) {
				const path = { id: stage.assetId, lang: generated.lang };
				// The corrected words become the creator's own track in that language (generated: false); every cue emptied: no track.
				if (keptCues(generated.cues).length === 0) await api.DELETE("/api/videos/{id}/captions/{lang}", { params: { path } });
				else await putTrack(path, writeVtt(generated.cues), "text/vtt");
			}
			if (!trim && captionFile) {
				// Checked by the server first: a caption file with a mistake is answered with the line to fix, and nothing is posted.
				const type = /\.srt$/i.test(captionFile.name) ? "application/x-subrip" : "text/vtt";
				await putTrack({ id: stage.assetId, lang: captionLang }, await captionFile.text(), type);
			}
			const reel = await answer(
				api.POST("/api/reels", { body: { video_id: stage.assetId, caption, visibility, ...(trim ? { clip: trim } : {}) } }),
			);
			dispatch({ type: "posted", reelId: reel.id });
		} catch (e) {
			setError((e as ApiError).message);
		}
	};

	/**
	 * Gives the upload up (the server deletes what it stored: tus termination) and goes back to choosing.
	 * A too-long video kept to be trimmed is deleted: it would otherwise hold room in the quota for a day.
	 */
	const cancel = async () => {
		const up = upload.current;
		upload.current = undefined;
		const kept = stage.kind === "too-long" ? stage.assetId : null;
		dispatch({ type: "reset" });
		setFile(null);
		setTrim(null);
		if (kept) await api.DELETE("/api/assets/{id}", { params: { path: { id: kept } } }).catch(() => undefined);
		else if (up) await up.abort(true).catch(() => undefined);
	};

	const copyLink = async (reelId: string) => {
		await navigator.clipboard.writeText(`${location.origin}/reel/${reelId}`).catch(() => undefined);
		setCopied(true);
	};

	const onFiles = (files: FileList | null | undefined) => {
		const file = files?.[0];
		if (file) void start(file);
	};

	return (
		<section class="mx-auto flex max-w-xl flex-col gap-6 p-6 pt-20" aria-labelledby="upload-title">
			<h1 id="upload-title" class="text-2xl font-bold">
				Upload a reel
			</h1>
			{stage.kind === "pick" || stage.kind === "failed" ? (
				<label
					class={`flex cursor-pointer flex-col items-center gap-2 rounded-2xl border-2 border-dashed p-10 text-center ${dragging ? "border-yellow-400 bg-yellow-400/10" : "border-white/30"}`}
					onDragOver={(e) => {
						e.preventDefault();
						setDragging(true);
					}}
					onDragLeave={() => setDragging(false)}
					onDrop={(e) => {
						e.preventDefault();
						setDragging(false);
						onFiles(e.dataTransfer?.files);
					}}
				>
					<span class="text-lg font-semibold">Choose a video or drop it here</span>
					<span class="text-sm text-white/60">
						MP4, MOV or WebM. Reels last up to 3 minutes; a longer video (up to 10) can be trimmed. Large files are fine: uploads resume.
					</span>
					<input
						type="file"
						accept="video/mp4,video/quicktime,video/webm"
						class="sr-only"
						name="video"
						onChange={(e) => onFiles((e.target as HTMLInputElement).files)}
					/>
				</label>
			) : null}
			{stage.kind === "failed" ? <ErrorText error={stage.message} /> : null}
			{file && stage.kind !== "pick" && stage.kind !== "posted" ? (
				<div class="flex items-center gap-3 rounded-2xl bg-white/5 p-3">
					<video
						src={file.preview}
						muted
						playsInline
						preload="metadata"
						class="h-24 w-14 shrink-0 rounded-lg bg-black object-cover"
						aria-label="Preview of the chosen video"
					/>
					<div class="min-w-0 flex-1">
						<p class="truncate font-semibold" title={file.name}>
							{file.name}
						</p>
						<p class="text-sm text-white/60">{(file.size / 1024 / 1024).toFixed(1)} MB</p>
					</div>
					{stage.kind === "uploading" || stage.kind === "processing" || stage.kind === "failed" || stage.kind === "too-long" ? (
						<Button variant="ghost" onClick={() => void cancel()}>
							{stage.kind === "failed" || stage.kind === "too-long" ? "Choose another" : "Cancel"}
						</Button>
					) : null}
				</div>
			) : null}
			{stage.kind === "uploading" ? (
				<div class="flex flex-col gap-2" data-saved-bytes={stage.saved}>
					<Bar value={percent(stage.sent, stage.total)} label="Uploading" />
					<p class="text-sm text-white/60">
						{stage.saved > 0 ? `${percent(stage.saved, stage.total)}% safely stored: a reload resumes from there.` : "Starting…"}
					</p>
				</div>
			) : null}
			{stage.kind === "processing" ? <Bar value={stage.progress} label="Processing" /> : null}
			{stage.kind === "uploading" || stage.kind === "processing" || stage.kind === "ready" || stage.kind === "too-long" ? (
				<form
					class="flex flex-col gap-4"
					onSubmit={(e) => {
						e.preventDefault();
						void post();
					}}
				>
					{stage.kind === "ready" ? (
						<p role="status" class="text-green-300">
							{stage.final ? "Your video is ready." : "Your video can be watched already; the rest is still being processed."}
						</p>
					) : null}
					{stage.kind === "too-long" ? (
						<p role="status" class="text-yellow-300">
							This video is {clock(stage.durationSeconds)} long; a reel lasts at most {clock(stage.maxSeconds)}. Choose the part to post
							below (the video is kept for a day).
						</p>
					) : null}
					{stage.kind === "ready" && stage.poster && !file ? (
						<img src={stage.poster} alt="The video's poster" class="max-h-64 self-start rounded-lg" />
					) : null}
					<label class="flex flex-col gap-1">
						<span class="text-sm text-white/80">Caption (#hashtags and @mentions welcome)</span>
						<textarea
							name="caption"
							maxLength={2200}
							rows={3}
							class="rounded-lg border border-white/20 bg-white/5 px-3 py-2"
							value={caption}
							onInput={(e) => setCaption((e.target as HTMLTextAreaElement).value)}
						/>
					</label>
					<label class="flex flex-col gap-1">
						<span class="text-sm text-white/80">Who can see it</span>
						<select
							name="visibility"
							class="rounded-lg border border-white/20 bg-neutral-900 px-3 py-2"
							value={visibility}
							onChange={(e) => setVisibility(VISIBILITY.find(([v]) => v === e.currentTarget.value)?.[0] ?? "public")}
						>
							{VISIBILITY.map(([value, said]) => (
								<option key={value} value={value}>
									{said}
								</option>
							))}
						</select>
					</label>
					{stage.kind === "ready" && stage.final && file ? <TrimControl src={file.preview} onChange={(range) => setTrim(range)} /> : null}
					{stage.kind === "too-long" && file ? (
						<TrimControl
							src={file.preview}
							maxSeconds={stage.maxSeconds}
							knownDuration={stage.durationSeconds}
							onChange={(range) => setTrim(range)}
						/>
					) : null}
					{stage.kind === "ready" && stage.final && !trim ? <CoverPicker assetId={stage.assetId} /> : null}
					{generated && !captionFile && !trim ? (
						<fieldset class="flex flex-col gap-2 rounded-lg border border-white/20 p-3">
							<legend class="px-1 text-sm text-white/80">Subtitles made from what it says</legend>
							<p class="text-sm text-white/60">{generated.label}: check them and correct any word. They show while the reel plays muted.</p>
							<ol class="flex max-h-64 flex-col gap-2 overflow-y-auto">
								{generated.cues.map((cue, i) => (
									<li key={cue.timing} class="flex items-center gap-2">
										<span class="w-10 shrink-0 text-right text-xs text-white/60 tabular-nums">{clock(cue.start)}</span>
										<input
											type="text"
											aria-label={`Subtitle at ${clock(cue.start)}`}
											maxLength={1000}
											class="min-w-0 flex-1 rounded-lg border border-white/20 bg-white/5 px-2 py-1 text-sm"
											value={cue.text}
											onInput={(e) => correct(i, (e.target as HTMLInputElement).value)}
										/>
									</li>
								))}
							</ol>
						</fieldset>
					) : null}
					{stage.kind === "ready" && stage.final && !trim ? (
						<fieldset class="flex flex-col gap-2 rounded-lg border border-white/20 p-3">
							<legend class="px-1 text-sm text-white/80">Subtitles (optional)</legend>
							<label class="flex flex-col gap-1">
								<span class="text-sm text-white/80">Subtitle file (WebVTT or SRT)</span>
								<input
									type="file"
									name="subtitles"
									accept=".vtt,.srt,text/vtt,application/x-subrip"
									class="text-sm file:mr-3 file:rounded-full file:border-0 file:bg-white/10 file:px-3 file:py-1.5 file:text-white"
									onChange={(e) => setCaptionFile((e.target as HTMLInputElement).files?.[0] ?? null)}
								/>
							</label>
							<label class="flex flex-col gap-1">
								<span class="text-sm text-white/80">Language of the subtitles</span>
								<select
									name="subtitleLanguage"
									class="rounded-lg border border-white/20 bg-neutral-900 px-3 py-2"
									value={captionLang}
									onChange={(e) => setCaptionLang(e.currentTarget.value)}
								>
									{captionLanguages().map((l) => (
										<option key={l.tag} value={l.tag}>
											{l.name}
										</option>
									))}
								</select>
							</label>
						</fieldset>
					) : null}
					{/* Written while the file goes up; posted once the video can be watched. */}
					<Button type="submit" disabled={stage.kind === "too-long" ? !trim : stage.kind !== "ready"}>
						{stage.kind === "too-long" ? "Post this part" : stage.kind === "ready" ? "Post" : "Post when ready"}
					</Button>
				</form>
			) : null}
			{stage.kind === "posted" ? (
				<div class="flex flex-col gap-3" role="status">
					<p class="text-lg font-semibold text-green-300">Posted.</p>
					<div class="flex flex-wrap gap-2">
						<a href={`/reel/${stage.reelId}`} class="rounded-full bg-yellow-400 px-4 py-2 font-semibold text-black">
							See your reel
						</a>
						<Button variant="ghost" onClick={() => void copyLink(stage.reelId)}>
							{copied ? "Link copied" : "Copy the link"}
						</Button>
						{me ? (
							<a href={profilePath(me.user)} class="rounded-full bg-white/10 px-4 py-2 font-semibold">
								Your profile
							</a>
						) : null}
					</div>
					<Button
						variant="ghost"
						class="self-start"
						onClick={() => {
							dispatch({ type: "reset" });
							setFile(null);
							setCaption("");
							setCopied(false);
							setCaptionFile(null);
							setGenerated(null);
							setTrim(null);
						}}
					>
						Upload another
					</Button>
				</div>
			) : null}
			<ErrorText error={error} />
		</section>
	);
}
