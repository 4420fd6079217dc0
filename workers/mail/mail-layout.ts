// Every mail's one layout, as plain text and as HTML: a greeting, paragraphs, at most one button
// (whose URL the text part spells out, for clients that show no HTML), and a footer that says why
// the mail came. Every value is escaped: a name is anyone's input.
import { escapeHtml } from "../lib/encoding/escape-html";

export interface MailContent {
	subject: string;
	heading: string;
	paragraphs: string[];
	action?: { label: string; url: string };
	/** Said after the action: how long the link works, what to do if this was not you. */
	after?: string[];
	footer: string;
}

export function renderMail(c: MailContent): { text: string; html: string } {
	const text = [
		c.heading,
		"",
		...c.paragraphs.flatMap((p) => [p, ""]),
		...(c.action ? [`${c.action.label}:`, c.action.url, ""] : []),
		...(c.after ?? []).flatMap((p) => [p, ""]),
		"-- ",
		c.footer,
		"",
	].join("\n");
	const p = (s: string) => `<p style="margin:0 0 16px;line-height:1.5">${escapeHtml(s)}</p>`;
	const button = c.action
		? `<p style="margin:24px 0"><a href="${escapeHtml(c.action.url)}" style="background:#facc15;color:#111;padding:12px 20px;border-radius:999px;font-weight:600;text-decoration:none;display:inline-block">${escapeHtml(c.action.label)}</a></p>`
		: "";
	const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(c.subject)}</title></head><body style="margin:0;background:#f4f4f5;font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#18181b"><div style="max-width:520px;margin:0 auto;padding:32px 24px"><p style="font-weight:900;font-size:20px;margin:0 0 24px">reels<span style="color:#ca8a04">edge</span></p><h1 style="font-size:22px;margin:0 0 16px">${escapeHtml(c.heading)}</h1>${c.paragraphs.map(p).join("")}${button}${(c.after ?? []).map(p).join("")}<p style="margin:32px 0 0;font-size:12px;color:#71717a">${escapeHtml(c.footer)}</p></div></body></html>`;
	return { text, html };
}
