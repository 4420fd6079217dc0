export interface Reel {
	id: string;
	caption: string;
	hashtags: string[];
	author: { id: string; name: string };
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
