// RFC 4648 §5 base64url without padding, for tokens, salts and cursors.

export const toBase64url = (bytes: Uint8Array): string =>
	btoa(String.fromCharCode(...bytes))
		.replace(/\+/g, "-")
		.replace(/\//g, "_")
		.replace(/=+$/, "");

/** Throws on characters outside the alphabet (callers turn that into their own error). */
export const fromBase64url = (text: string): Uint8Array =>
	Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

/** RFC 4648 §4 base64 with padding (MIME bodies), in chunks so a long input cannot overflow the call stack. */
export function toBase64(bytes: Uint8Array): string {
	let binary = "";
	for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	return btoa(binary);
}
