// One mail as RFC 5322 text: multipart/alternative with a plain-text and an HTML part, both
// base64 (so no body line can start with a dot or run past SMTP's line limit), and a subject
// encoded as an RFC 2047 word when it is not plain ASCII. Both transports send these bytes.
import { toBase64 } from "../lib/encoding/base64url";

export interface MailMessage {
	/** Stable per message: a retried send carries the same Message-ID, so a mail client shows one. */
	id: string;
	from: { name: string; address: string };
	to: string;
	subject: string;
	text: string;
	html: string;
	/** A link that stops this kind of mail (List-Unsubscribe, RFC 8058); absent on required mail. */
	unsubscribeUrl?: string;
}

/** Refuses what could break out of a header line. Addresses are zod-checked before they get here. */
function headerValue(v: string): string {
	if (/[\r\n]/.test(v)) throw new Error("a mail header value may not hold a line break");
	return v;
}

const ascii = (s: string) => /^[\x20-\x7e]*$/.test(s);
const encodedWord = (s: string) => (ascii(s) ? s : `=?UTF-8?B?${toBase64(new TextEncoder().encode(s))}?=`);

/** base64 in 76-character lines (RFC 2045). */
function base64Lines(s: string): string {
	return (toBase64(new TextEncoder().encode(s)).match(/.{1,76}/g) ?? []).join("\r\n");
}

export function mailDomain(address: string): string {
	return address.slice(address.lastIndexOf("@") + 1);
}

/** The message's bytes as SMTP DATA and the Email Service's raw EmailMessage both take them. */
export function toMime(m: MailMessage, now = new Date()): string {
	const boundary = `=_reels_${m.id.replace(/[^A-Za-z0-9]/g, "")}`;
	const fromName = headerValue(m.from.name.replace(/["\\]/g, ""));
	const headers = [
		`From: ${ascii(fromName) ? `"${fromName}"` : encodedWord(fromName)} <${headerValue(m.from.address)}>`,
		`To: <${headerValue(m.to)}>`,
		`Subject: ${encodedWord(headerValue(m.subject))}`,
		`Date: ${now.toUTCString().replace("GMT", "+0000")}`,
		`Message-ID: <${headerValue(m.id)}@${mailDomain(m.from.address)}>`,
		"MIME-Version: 1.0",
		"Auto-Submitted: auto-generated",
		...(m.unsubscribeUrl
			? [`List-Unsubscribe: <${headerValue(m.unsubscribeUrl)}>`, "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
			: []),
		`Content-Type: multipart/alternative; boundary="${boundary}"`,
	];
	const part = (type: string, body: string) =>
		[`--${boundary}`, `Content-Type: ${type}; charset=utf-8`, "Content-Transfer-Encoding: base64", "", base64Lines(body)].join("\r\n");
	return [...headers, "", part("text/plain", m.text), part("text/html", m.html), `--${boundary}--`, ""].join("\r\n");
}
