// Hourly quotas sized for one person, lifted for a load test: hundreds of
// simulated people share one stack. Burst limits stay (each client has its own address).
export const LIFTED_QUOTAS = {
	QUOTA_ANON_PER_HOUR: "1000000",
	QUOTA_USER_PER_HOUR: "1000000",
	QUOTA_AUTH_PER_HOUR: "1000000",
	QUOTA_API_KEY_PER_HOUR: "1000000",
	// Watch-time reports: a browser bench plays hundreds of reels an hour from one account or device.
	QUOTA_PLAYBACK_PER_HOUR: "1000000",
	IMAGE_TRANSFORMS_PER_HOUR: "1000000",
	STORAGE_QUOTA_BYTES_PER_USER: "10737418240",
	TUS_MAX_OPEN_UPLOADS: "50",
	// The load's accounts post the reels it browses without opening their mail.
	UNVERIFIED_MAX_REELS: "1000",
};
