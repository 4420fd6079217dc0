// The README's examples, run as written against a fresh dev stack: every
// shell block preceded by `<!-- tested: … -->` is extracted from README.md,
// pointed at this stack's port instead of :8787, and run with bash. The README
// is the one place these flows are written, so they cannot drift from the API.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevStackProcess, startDevStack } from "./dev-stack-process.ts";

const root = resolve(import.meta.dirname, "..");
let stack: DevStackProcess;

/** `[title, script]` for every tested block in README.md. */
function testedExamples(readme: string): [string, string][] {
	return [...readme.matchAll(/<!-- tested: ([^>]+?) -->\n```sh\n([\s\S]*?)```/g)].map((m) => [m[1] as string, m[2] as string]);
}

function run(script: string): { status: number | null; stdout: string; stderr: string } {
	const here = new URL(stack.baseUrl).host;
	const r = spawnSync("bash", ["-eo", "pipefail", "-c", script.replaceAll("localhost:8787", here)], {
		cwd: root,
		encoding: "utf8",
		timeout: 150_000,
	});
	return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const examples = testedExamples(readFileSync(resolve(root, "README.md"), "utf8"));
const example = (title: string) => {
	const found = examples.find(([t]) => t.startsWith(title));
	if (!found) throw new Error(`README.md has no tested example "${title}"`);
	return found[1];
};

beforeAll(async () => {
	stack = await startDevStack("e2e-readme", { fresh: true });
}, 150_000);

afterAll(async () => {
	await stack?.stop();
});

describe("README examples", () => {
	it("finds the tested blocks", () => {
		expect(examples.map(([t]) => t)).toEqual(
			expect.arrayContaining([expect.stringMatching(/^quick start/), "the smoke test", "the seed-compatible flows"]),
		);
	});

	it("runs the quick start's curl examples", () => {
		const r = run(example("quick start"));
		expect(r.status, r.stderr).toBe(0);
		expect(r.stdout).toContain('"status":"ok"');
		expect(r.stdout).toContain('"openapi":"3.1.0"');
		expect(r.stdout).toMatch(/"accessToken":"[^"]+"/);
	});

	it("runs the smoke test (npm run smoke) against the stack: upload to transcode to reel to notification", () => {
		const r = run(example("the smoke test"));
		expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
		expect(r.stdout).toMatch(/TRANSCODE_READY/);
		expect(r.stdout).toMatch(/smoke ok: http:\/\/[^ ]+ in [\d.]+s/);
	});

	it("runs the seed-compatible flows: upload, video status, reel from video_url, like, list, WebSocket PING", () => {
		const r = run(example("the seed-compatible flows"));
		expect(r.status, r.stderr).toBe(0);
		const upload = JSON.parse(r.stdout.split("\n").find((l) => l.includes('"fileUrl"')) ?? "{}");
		expect(upload).toMatchObject({
			fileUrl: expect.stringMatching(/^\/cdn\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f-]{36}\.jpg$/),
			thumbnailUrl: expect.stringMatching(/\/thumb\.jpg$/),
			filename: "photo.jpg",
			size: expect.any(Number),
			mimetype: "image/jpeg",
		});
		expect(r.stdout).toContain('{"liked":true,"likeCount":1}');
		expect(r.stdout).toMatch(/"caption":"First reel #hello","likeCount":1/);
		expect(r.stdout).toContain('{"type":"PONG"}');
	}, 160_000);
});
