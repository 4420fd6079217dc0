// What an export holds, said in the archive itself (README.txt) and in docs/exports.md: the shapes
// are a contract with whoever reads them later, so they are written down where the data is.
export const EXPORT_FORMAT_README = `Your reels-edge data

This archive holds what your account made and what the platform keeps about it, as JSON (UTF-8).
Lists are split into files of at most 1000 items: reels-0001.json, reels-0002.json, and so on.
Times are ISO 8601 in UTC; ids are UUIDs.

profile.json        Your account: id, email, emailVerifiedAt, name, handle, bio, role, private,
                    avatarAssetId (a media id), followerCount, followingCount, createdAt.
reels-*.json        Your reels: id, caption, hashtags, visibility (public, unlisted, followers,
                    private), mediaStatus, videoId (a media id), durationMs, hiddenAt (set when
                    hidden by reports), createdAt, updatedAt, and their views, likes, comments.
analytics.json      Totals over your reels: reels, views, likes, comments.
comments-*.json     Comments you wrote: id, reelId, parentId (the comment you answered), text, createdAt.
likes-*.json        Reels you liked: reelId, createdAt.
following-*.json    Accounts you follow: id, handle, name, since.
followers-*.json    Accounts that follow you: id, handle, name, since.
notifications-*.json  Your inbox: id, type, data (ids of what it is about), createdAt, readAt.
api-keys.json       Your API keys: id, name, scopes, expiresAt, createdAt (never the key itself).
webhooks.json       Your webhook endpoints: id, url, description, events, disabledAt, createdAt
                    (never the signing secret).
media-*.json        Every file you uploaded or recorded live: id, kind (image, video), status,
                    contentType, bytes, width, height, durationMs, createdAt, and original: a link
                    to download the file as you uploaded it, valid as long as this archive's link.
`;
