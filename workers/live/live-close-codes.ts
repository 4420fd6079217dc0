// Close codes a live socket ends with (docs/events.md lists them for clients).
export const LIVE_CLOSE = {
	/** The stream ended normally (its publisher finished, or the owner ended it). */
	ended: 1000,
	/** A frame over the 1 MiB a Worker accepts, or a chat frame over 1 KiB. */
	tooBig: 1009,
	/** Too many frames, or a viewer's chat flood. */
	policy: 1008,
	/** The encoder was lost (an instance restarted): reconnect within the grace period and the stream goes on. */
	reconnect: 1012,
	/** No encoder is free, or bytes arrive faster than they can be encoded: try again later. */
	tryAgainLater: 1013,
	/** The encoder could not be reached. */
	internal: 1011,
	/** The publisher sent text; ingest takes binary frames of one media stream. */
	binaryOnly: 4400,
	/** Nothing arrived for the grace period: the stream ended. */
	stalled: 4408,
	/** Another publisher is connected to this stream. */
	publisherConnected: 4409,
	/** The stream has ended (or was deleted): it takes no more bytes. */
	streamEnded: 4410,
	/** The owner's storage quota is full: the recording can hold no more, so the stream ended. */
	storageQuota: 4413,
	/** The bytes are not a media stream we can encode (not MPEG-TS, fMP4 or WebM; no video). */
	unsupportedMedia: 4415,
	/** Another connection of the same user replaced this one (viewer sockets per user are capped). */
	tooManySockets: 4008,
} as const;
