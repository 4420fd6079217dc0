export interface Reel {
	id: string;
	caption: string;
	hashtags: string[];
	author: { id: string; name: string; handle: string };
	video: {
		id: string;
		status: string;
		hls: string | null;
		dash: string | null;
		thumbnail: string | null;
		poster: string | null;
		storyboard: string | null;
		duration: number | null;
	};
	likeCount: number;
	commentCount: number;
	viewCount: number;
	liked: boolean;
	hidden: boolean;
	visibility: "public" | "unlisted" | "followers" | "private";
	createdAt: string;
}

export interface Page<T> {
	items: T[];
	nextCursor: string | null;
}

export interface LiveStream {
	id: string;
	ownerId: string;
	title: string | null;
	status: "idle" | "live" | "ended";
	/** Only in the owner's view. */
	streamKey?: string;
	ingest: { websocket: string };
	playback: { hls: string };
	viewers: number;
	/** The recording, to post as a reel once the stream has ended. */
	videoId: string;
	startedAt: string | null;
	endedAt: string | null;
	endReason: string | null;
}

export interface ChatMessage {
	id: string;
	userId: string;
	name: string | null;
	text: string;
	at: string;
}
