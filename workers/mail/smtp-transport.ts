// SMTP submission over a Workers TCP socket (developers.cloudflare.com/workers/runtime-apis/tcp-sockets/):
// the local stack's transport, speaking to the mail catcher `npm run dev` and the tests start
// (scripts/mail-catcher.ts). Plain SMTP without TLS or login, because it only ever talks to
// that loopback catcher; production sends through the Email Service binding instead
// (email-service-transport.ts; why: docs/deploy.md).
import { connect } from "cloudflare:sockets";
import { MailRefused, type Transport } from "./transport";

const REPLY_TIMEOUT_MS = 10_000;

/** Reads SMTP replies (a line `NNN text`, or `NNN-text` lines ending in one `NNN text`). */
class ReplyReader {
	private buffered = "";
	private readonly decoder = new TextDecoder();
	constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

	async reply(): Promise<{ code: number; text: string }> {
		const lines: string[] = [];
		for (;;) {
			const end = this.buffered.indexOf("\r\n");
			if (end >= 0) {
				const line = this.buffered.slice(0, end);
				this.buffered = this.buffered.slice(end + 2);
				lines.push(line);
				if (/^\d{3}(?: |$)/.test(line)) return { code: Number(line.slice(0, 3)), text: lines.join("\n") };
				continue;
			}
			const { value, done } = await this.reader.read();
			if (done) throw new MailRefused("the SMTP server closed the connection", false);
			this.buffered += this.decoder.decode(value, { stream: true });
		}
	}
}

/** RFC 5321 §4.5.2: a line that starts with a dot gets another in front. */
export const dotStuff = (data: string) => data.replace(/(^|\r\n)\./g, "$1..");

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<never>((_, fail) => {
		timer = setTimeout(
			() => fail(new MailRefused(`the SMTP server did not answer ${what} within ${REPLY_TIMEOUT_MS} ms`, false)),
			REPLY_TIMEOUT_MS,
		);
	});
	return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export function smtpTransport(smtpUrl: string): Transport {
	const url = new URL(smtpUrl);
	if (url.protocol !== "smtp:") throw new Error(`SMTP_URL must be smtp://host:port, got ${url.protocol}`);
	const hostname = url.hostname;
	const port = Number(url.port || 25);
	return {
		async send({ from, to, raw }) {
			const socket = connect({ hostname, port });
			const writer = socket.writable.getWriter();
			const replies = new ReplyReader(socket.readable.getReader());
			const encoder = new TextEncoder();
			const step = async (command: string | null, expect: number[], what: string) => {
				if (command !== null) await writer.write(encoder.encode(`${command}\r\n`));
				const r = await withTimeout(replies.reply(), what);
				// 4xx is a server's "not now" (retried); 5xx is "never" (not retried).
				if (!expect.includes(r.code)) throw new MailRefused(`SMTP ${what}: ${r.text}`, r.code >= 500);
			};
			try {
				await step(null, [220], "greeting");
				await step(`EHLO ${hostname === "127.0.0.1" ? "localhost" : "reels-edge"}`, [250], "EHLO");
				await step(`MAIL FROM:<${from}>`, [250], "MAIL FROM");
				await step(`RCPT TO:<${to}>`, [250, 251], "RCPT TO");
				await step("DATA", [354], "DATA");
				const body = dotStuff(raw.endsWith("\r\n") ? raw : `${raw}\r\n`);
				await step(`${body}.`, [250], "the message");
				await writer.write(encoder.encode("QUIT\r\n")).catch(() => undefined);
			} finally {
				await socket.close().catch(() => undefined);
			}
		},
	};
}
