// A mail's bytes, sent by the real SMTP transport to the test setup's catcher and read back
// parsed by mailparser: what a mail client would show.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { configOf } from "../lib/config/config";
import { uniqueEmail } from "../test-support/api";
import { waitForMail } from "../test-support/mail";
import { type MailMessage, toMime } from "./mime";
import { dotStuff, smtpTransport } from "./smtp-transport";
import { MailRefused } from "./transport";

const message = (over: Partial<MailMessage> = {}): MailMessage => ({
	id: crypto.randomUUID(),
	from: { name: "reels-edge", address: "no-reply@reels-edge.dev" },
	to: uniqueEmail("mime"),
	subject: "Hello",
	text: "plain",
	html: "<p>html</p>",
	...over,
});

describe("mail bytes", () => {
	it("arrives whole: a UTF-8 subject and name, both parts, a line that starts with a dot, the Message-ID", async () => {
		const m = message({
			from: { name: "Réels Édge", address: "no-reply@reels-edge.dev" },
			subject: "Grüße ✓ from reels-edge",
			text: "first line\n.a line that starts with a dot\n..and two\nünïcödé",
			html: "<p>Grüße</p>",
			unsubscribeUrl: "https://app.example/unsubscribe#t=1",
		});
		await smtpTransport(configOf(env).SMTP_URL).send({ from: m.from.address, to: m.to, raw: toMime(m) });
		const [got] = await waitForMail(m.to, /Grüße/);
		expect(got?.subject).toBe(m.subject);
		expect(got?.text.trim()).toBe(m.text);
		expect(got?.html).toContain("<p>Grüße</p>");
		expect(got?.messageId).toBe(`<${m.id}@reels-edge.dev>`);
		expect(got?.headers.from).toContain("no-reply@reels-edge.dev");
		expect(got?.headers["list-unsubscribe"]).toBe("<https://app.example/unsubscribe#t=1>");
	});

	it("sends a raw line that starts with a dot intact (dot-stuffed on the wire)", async () => {
		expect(dotStuff(".a\r\nb\r\n.c")).toBe("..a\r\nb\r\n..c");
		const to = uniqueEmail("dots");
		const raw = [`From: <x@reels-edge.dev>`, `To: <${to}>`, "Subject: dots", "", "before", ".", ".after", ""].join("\r\n");
		await smtpTransport(configOf(env).SMTP_URL).send({ from: "x@reels-edge.dev", to, raw });
		const [got] = await waitForMail(to, /^dots$/);
		expect(got?.text.split("\n").slice(0, 3)).toEqual(["before", ".", ".after"]);
	});

	it("refuses a header value with a line break (no header injection through a name or subject)", () => {
		expect(() => toMime(message({ subject: "hi\r\nBcc: victim@example.test" }))).toThrow(/line break/);
		expect(() => toMime(message({ to: "a@example.test\nBcc: b@example.test" }))).toThrow(/line break/);
		expect(() => toMime(message({ from: { name: "x\ny", address: "no-reply@reels-edge.dev" } }))).toThrow(/line break/);
	});

	it("reports a message the server refuses for good as permanent (not retried)", async () => {
		const huge = message({ text: "x".repeat(2 * 1024 * 1024) });
		const sent = smtpTransport(configOf(env).SMTP_URL).send({ from: huge.from.address, to: huge.to, raw: toMime(huge) });
		await expect(sent).rejects.toBeInstanceOf(MailRefused);
		await expect(sent).rejects.toMatchObject({ permanent: true });
	});
});
