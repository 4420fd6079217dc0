// `npm run mail`: what the local stack has sent, read from the .eml files its mail catcher keeps
// (scripts/mail-catcher.ts). `npm run mail -- 3` prints the third-newest message whole;
// `npm run mail -- ada@example.com` lists only what went to that address.
import { resolve } from "node:path";
import { caughtMail } from "./mail-catcher.ts";

const dir = resolve(import.meta.dirname, "..", process.env.MAIL_DIR ?? ".local/mail");
const arg = process.argv[2] ?? "";
const pick = /^\d+$/.test(arg) ? Number(arg) : undefined;
const messages = (await caughtMail(dir, pick === undefined && arg ? arg : undefined)).reverse();

if (pick !== undefined) {
	const m = messages[pick - 1];
	if (!m) {
		console.error(`no message ${pick}: ${messages.length} caught in ${dir}`);
		process.exit(1);
	}
	console.log(`From: ${m.from}\nTo: ${m.to.join(", ")}\nDate: ${m.date}\nSubject: ${m.subject}\nFile: ${dir}/${m.file}\n\n${m.text}`);
} else if (messages.length === 0) {
	console.log(`no mail caught yet in ${dir}`);
} else {
	messages.forEach((m, i) => {
		console.log(`${String(i + 1).padStart(3)}  ${m.date.slice(0, 19).replace("T", " ")}  ${m.to.join(", ").padEnd(36)}  ${m.subject}`);
	});
	console.log(`\n${messages.length} in ${dir}; \`npm run mail -- <n>\` shows one whole`);
}
