// Where an account's data export archives live in R2: under the account's own prefix, so deleting
// the account (cdn/takedown/erase-account-media.ts) and resetting its password remove them by prefix.
export const exportsPrefix = (userId: string) => `exports/${userId}/`;
export const exportKey = (userId: string, exportId: string) => `${exportsPrefix(userId)}${exportId}.tar`;
