-- Who may fetch an asset's bytes through /cdn and /img (workers/cdn/media-access.ts):
--   public   anyone, unsigned (images; videos of public, visible reels)
--   signed   only through a signed URL (videos not in a public reel: unlisted,
--            followers-only, private, hidden, or not posted yet)
--   blocked  nobody (taken down by moderation)
-- Existing rows keep what they had: everything was public.
ALTER TABLE assets ADD COLUMN access TEXT NOT NULL DEFAULT 'public' CHECK (access IN ('public', 'signed', 'blocked'));
