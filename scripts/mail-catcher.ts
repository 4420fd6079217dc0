// The local stack's mail server: a real SMTP server (nodemailer's smtp-server) that delivers
// nothing and keeps everything. Each message the Worker sends is saved whole as an .eml file
// in `dir` (open it in any mail client), and a small web page lists them: GET / for a person,
// GET /messages?to=<address> as JSON for tests and scripts (parsed by mailparser, with the
// links each message carries). `npm run dev` and the test setup start one; `npm run mail`
// lists the saved files.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** One caught message as the JSON listing shows it. */
export interface CaughtMail {
	file: string;
	messageId: string;
	from: string;
	to: string[];
	subject: string;
	date: string;
	text: string;
	html: string;
	headers: Record<string, string>;
	/** Every http(s) URL in the text part, in order. */
	links: string[];
}

export interface MailCatcher {
	smtpUrl: string;
	webUrl: string;
	dir: string;
	close(): Promise<void>;
}

/** A message is refused past this size, as a real server would; ours are a few kilobytes. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

export async function parseEml(dir: string, file: string): Promise<CaughtMail> {
	const parsed = await simpleParser(readFileSync(join(dir, file)));
	const addresses = (v: typeof parsed.to) => (Array.isArray(v) ? v : v ? [v] : []).flatMap((a) => a.value.map((x) => x.address ?? ""));
	const headers: Record<string, string> = {};
	for (const line of parsed.headerLines) headers[line.key] = line.line.slice(line.key.length + 1).trim();
	const text = parsed.text ?? "";
	return {
		file,
		messageId: parsed.messageId ?? "",
		from: parsed.from?.value[0]?.address ?? "",
		to: addresses(parsed.to),
		subject: parsed.subject ?? "",
		date: (parsed.date ?? new Date(0)).toISOString(),
		text,
		html: typeof parsed.html === "string" ? parsed.html : "",
		headers,
		links: [...text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]),
	};
}

/** The saved messages, oldest first (file names start with the time they arrived). */
export async function caughtMail(dir: string, to?: string): Promise<CaughtMail[]> {
	let files: string[];
	try {
		files = readdirSync(dir)
			.filter((f) => f.endsWith(".eml"))
			.sort();
	} catch {
		return [];
	}
	const all = await Promise.all(files.map((f) => parseEml(dir, f)));
	const want = to?.toLowerCase();
	return want ? all.filter((m) => m.to.some((a) => a.toLowerCase() === want)) : all;
}

const escapeText = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(messages: CaughtMail[]): string {
	const rows = messages
		.slice()
		.reverse()
		.map(
			(m) =>
				`<details><summary><b>${escapeText(m.subject)}</b> to ${escapeText(m.to.join(", "))} <small>${escapeText(m.date)}</small></summary><pre>${escapeText(m.text)}</pre><p><small>${escapeText(m.file)}</small></p></details>`,
		)
		.join("\n");
	return `<!doctype html><meta charset="utf-8"><title>Caught mail</title><style>body{font:15px system-ui;max-width:50rem;margin:2rem auto;padding:0 1rem}details{border-bottom:1px solid #ddd;padding:.5rem 0}pre{white-space:pre-wrap}</style><h1>Caught mail (${messages.length})</h1>${rows || "<p>Nothing yet.</p>"}`;
}

/** Starts both servers on the given ports (0: the OS picks a free one at bind time). */
export async function startMailCatcher(o: { dir: string; smtpPort?: number; webPort?: number; host?: string }): Promise<MailCatcher> {
	const host = o.host ?? "127.0.0.1";
	mkdirSync(o.dir, { recursive: true });
	let n = 0;
	const smtp = new SMTPServer({
		// Local only: no TLS and no login, as a catcher on the loopback interface needs neither.
		secure: false,
		disabledCommands: ["STARTTLS", "AUTH"],
		size: MAX_MESSAGE_BYTES,
		banner: "reels-edge mail catcher",
		logger: false,
		onData(stream, _session, done) {
			const chunks: Buffer[] = [];
			stream.on("data", (c: Buffer) => chunks.push(c));
			stream.on("end", () => {
				if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
					done(Object.assign(new Error("Message too large"), { responseCode: 552 }));
					return;
				}
				const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}-${String(++n).padStart(5, "0")}.eml`;
				writeFileSync(join(o.dir, name), Buffer.concat(chunks));
				done();
			});
		},
	});
	const web: Server = createServer((req, res) => {
		const url = new URL(req.url ?? "/", "http://catcher");
		if (req.method !== "GET" || (url.pathname !== "/" && url.pathname !== "/messages")) {
			res.writeHead(404).end();
			return;
		}
		caughtMail(o.dir, url.searchParams.get("to") ?? undefined).then(
			(messages) => {
				if (url.pathname === "/messages") {
					res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(messages));
				} else {
					res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page(messages));
				}
			},
			(err: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(err.message),
		);
	});
	await new Promise<void>((done, fail) => {
		smtp.once("error", fail);
		smtp.listen(o.smtpPort ?? 0, host, () => {
			smtp.off("error", fail);
			done();
		});
	});
	// A client that goes away mid-conversation (a test's runtime shutting down, a sender dropping
	// a refused message) is an 'error' on the server: without a listener it would crash the process
	// the catcher runs in (the test setup, `npm run dev`). It concerns that connection only.
	smtp.on("error", () => undefined);
	try {
		await new Promise<void>((done, fail) => {
			web.once("error", fail);
			web.listen(o.webPort ?? 0, host, () => done());
		});
	} catch (err) {
		await new Promise<void>((done) => smtp.close(() => done()));
		throw err;
	}
	const smtpPort = (smtp.server.address() as AddressInfo).port;
	const webPort = (web.address() as AddressInfo).port;
	return {
		smtpUrl: `smtp://${host}:${smtpPort}`,
		webUrl: `http://${host}:${webPort}`,
		dir: o.dir,
		close: async () => {
			web.closeAllConnections();
			await Promise.all([new Promise<void>((done) => smtp.close(() => done())), new Promise<void>((done) => web.close(() => done()))]);
		},
	};
}
