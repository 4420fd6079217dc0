// The local mail server: it keeps what it is sent, lists it parsed, and a client that drops its
// connection mid-conversation does not take it (and the process it runs in) down.
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type CaughtMail, type MailCatcher, startMailCatcher } from "./mail-catcher.ts";
import { waitFor } from "./wait-for.ts";

let catcher: MailCatcher | undefined;
let dir = "";
afterEach(async () => {
	await catcher?.close();
	rmSync(dir, { recursive: true, force: true });
});

/** A line-at-a-time SMTP client: sends `line`, waits for the reply starting with `code`. */
async function conversation(port: number) {
	const socket = connect(port, "127.0.0.1");
	await once(socket, "connect");
	let buffered = "";
	socket.on("data", (d: Buffer) => {
		buffered += d.toString();
	});
	const expectReply = (code: string) =>
		waitFor(`SMTP ${code}`, () => new RegExp(`(^|\\r\\n)${code} [^\\r\\n]*\\r\\n$`).test(buffered), { timeoutMs: 5000, everyMs: 10 });
	const say = async (line: string, code: string) => {
		buffered = "";
		socket.write(`${line}\r\n`);
		await expectReply(code);
	};
	await expectReply("220");
	return { socket: socket as Socket, say };
}

describe("the mail catcher", () => {
	it("keeps a message as an .eml, lists it parsed with its links, and survives a client that resets mid-conversation", async () => {
		dir = mkdtempSync(join(tmpdir(), "mail-"));
		catcher = await startMailCatcher({ dir });
		const port = Number(new URL(catcher.smtpUrl).port);

		// Dropped in the middle of a message, as a runtime shutting down drops its sockets.
		const rude = await conversation(port);
		await rude.say("EHLO rude", "250");
		await rude.say("MAIL FROM:<a@example.test>", "250");
		await rude.say("RCPT TO:<b@example.test>", "250");
		await rude.say("DATA", "354");
		rude.socket.write("Subject: cut\r\n\r\nhalf a messa");
		rude.socket.resetAndDestroy();

		const c = await conversation(port);
		await c.say("EHLO test", "250");
		await c.say("MAIL FROM:<a@example.test>", "250");
		await c.say("RCPT TO:<b@example.test>", "250");
		await c.say("DATA", "354");
		await c.say(
			["From: <a@example.test>", "To: <b@example.test>", "Subject: hello", "", "see https://example.test/x#token=abc", "."].join("\r\n"),
			"250",
		);
		c.socket.end("QUIT\r\n");

		expect(readdirSync(dir).filter((f) => f.endsWith(".eml"))).toHaveLength(1);
		const listed = (await (await fetch(`${catcher.webUrl}/messages?to=B@example.test`)).json()) as CaughtMail[];
		expect(listed).toHaveLength(1);
		expect(listed[0]).toMatchObject({ subject: "hello", to: ["b@example.test"], links: ["https://example.test/x#token=abc"] });
		expect((await (await fetch(`${catcher.webUrl}/messages?to=nobody@example.test`)).json()) as CaughtMail[]).toEqual([]);
	});
});
