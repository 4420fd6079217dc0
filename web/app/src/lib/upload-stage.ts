// The upload page's one state: where the chosen video is, from picking it to the posted reel.
// Every source that moves it (tus's callbacks, the socket's transcode events, the status asked once
// in case the socket spoke first, the buttons) is an action here, so a late or stray one (another
// video's event, a progress callback after Cancel) cannot put the page in a wrong state.

export type Stage =
	| { kind: "pick" }
	| { kind: "uploading"; sent: number; saved: number; total: number }
	| { kind: "processing"; assetId: string; progress: number }
	/** `final` false: playable (the first seconds are out, the rest is being processed); it can be posted already. */
	| { kind: "ready"; assetId: string; poster: string | null; final: boolean }
	/** Refused as too long, but kept a day to be trimmed: a part of at most `maxSeconds` can be posted (docs/clips.md). */
	| { kind: "too-long"; assetId: string; durationSeconds: number; maxSeconds: number }
	| { kind: "failed"; message: string }
	| { kind: "posted"; reelId: string };

/** The transcode's news about one video: from the socket's events or from its status. */
export type TranscodeNews =
	| { type: "progress"; assetId: string; progress: number }
	| { type: "playable"; assetId: string }
	| { type: "ready"; assetId: string; poster: string | null }
	| { type: "failed"; assetId: string; message: string }
	| { type: "too-long"; assetId: string; durationSeconds: number; maxSeconds: number };

/** What the server says of a too-long video it keeps to be trimmed (the status's and the event's `trim`). */
export interface TrimOffer {
	durationSeconds: number;
	maxSeconds: number;
}

export type UploadAction =
	| { type: "started"; total: number }
	| { type: "sent"; sent: number; total: number }
	| { type: "saved"; saved: number; total: number }
	| { type: "uploaded"; assetId: string }
	| { type: "upload-failed"; message: string }
	| { type: "transcode"; news: TranscodeNews }
	| { type: "posted"; reelId: string }
	| { type: "reset" };

/** The video the page waits for news of, or null when it waits for none. */
function awaitedAsset(stage: Stage): string | null {
	if (stage.kind === "processing" || (stage.kind === "ready" && !stage.final)) return stage.assetId;
	return null;
}

export function uploadReducer(stage: Stage, action: UploadAction): Stage {
	switch (action.type) {
		case "started":
			return { kind: "uploading", sent: 0, saved: 0, total: action.total };
		case "sent":
			return stage.kind === "uploading" ? { ...stage, sent: action.sent, total: action.total } : stage;
		case "saved":
			return stage.kind === "uploading" ? { ...stage, saved: action.saved, total: action.total } : stage;
		case "uploaded":
			return stage.kind === "uploading" ? { kind: "processing", assetId: action.assetId, progress: 0 } : stage;
		case "upload-failed":
			return stage.kind === "uploading" ? { kind: "failed", message: action.message } : stage;
		case "transcode":
			return transcoded(stage, action.news);
		case "posted":
			return stage.kind === "ready" || stage.kind === "too-long" ? { kind: "posted", reelId: action.reelId } : stage;
		case "reset":
			return { kind: "pick" };
	}
}

function transcoded(stage: Stage, news: TranscodeNews): Stage {
	// News of another video, or of this one when the page no longer waits for it, changes nothing.
	if (news.assetId !== awaitedAsset(stage)) return stage;
	switch (news.type) {
		case "progress":
			return stage.kind === "processing" ? { ...stage, progress: Math.round(news.progress * 100) } : stage;
		case "playable":
			return stage.kind === "processing" ? { kind: "ready", assetId: news.assetId, poster: null, final: false } : stage;
		case "ready":
			return { kind: "ready", assetId: news.assetId, poster: news.poster, final: true };
		case "failed":
			return { kind: "failed", message: news.message };
		case "too-long":
			return { kind: "too-long", assetId: news.assetId, durationSeconds: news.durationSeconds, maxSeconds: news.maxSeconds };
	}
}

/** A socket event as news, or null for events that are not the transcode's. */
export function newsFromEvent(e: { type: string; data: Record<string, unknown> }): TranscodeNews | null {
	const assetId = String(e.data.assetId ?? "");
	if (e.type === "TRANSCODE_PROGRESS") return { type: "progress", assetId, progress: Number(e.data.progress) };
	if (e.type === "TRANSCODE_PLAYABLE") return { type: "playable", assetId };
	if (e.type === "TRANSCODE_READY") return { type: "ready", assetId, poster: (e.data.poster as string | undefined) ?? null };
	if (e.type === "TRANSCODE_FAILED") {
		const trim = e.data.trim as TrimOffer | null | undefined;
		if (trim) return { type: "too-long", assetId, durationSeconds: trim.durationSeconds, maxSeconds: trim.maxSeconds };
		return { type: "failed", assetId, message: String(e.data.error ?? "Processing failed.") };
	}
	return null;
}

/** The status API's answer as news (null while it is still processing). */
export function newsFromStatus(
	assetId: string,
	s: { status: string; poster: string | null; error: { message: string } | null; trim?: TrimOffer | null },
): TranscodeNews | null {
	if (s.status === "failed" && s.trim)
		return { type: "too-long", assetId, durationSeconds: s.trim.durationSeconds, maxSeconds: s.trim.maxSeconds };
	if (s.status === "ready") return { type: "ready", assetId, poster: s.poster };
	if (s.status === "playable") return { type: "playable", assetId };
	if (s.status === "failed") return { type: "failed", assetId, message: s.error?.message ?? "Processing failed." };
	return null;
}
