import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sampleVideo } from "../test-support/media";
import { SourceRejected, TranscoderUnavailable, transcoderClient } from "./transcoder-client";

const streamOf = (bytes: Uint8Array) => new Blob([bytes]).stream();

describe("transcoderClient", () => {
	it("runs a job on the local transcoder process when TRANSCODER_URL is set, and collects its files", async () => {
		const bytes = sampleVideo();
		const client = transcoderClient(env, crypto.randomUUID());
		expect(await client.job()).toBeNull();
		const started = await client.start(streamOf(bytes), bytes.length);
		expect(started.probe).toMatchObject({ width: 180, height: 320, durationMs: 1000, hasAudio: true });
		let job = started;
		for (let i = 0; i < 200 && job.state === "running"; i++) {
			await new Promise((r) => setTimeout(r, 50));
			job = (await client.job()) ?? job;
		}
		expect(job.state).toBe("done");
		const master = job.files.find((f) => f.path === "hls/master.m3u8");
		if (!master) throw new Error("no master playlist listed");
		const text = await new Response(await client.file(master)).text();
		expect(text).toContain("RESOLUTION=180x320");
		expect(new TextEncoder().encode(text).length).toBe(master.bytes);
		await client.remove();
		expect(await client.job()).toBeNull();
		await client.remove(); // already gone: still fine
	});

	it("turns a refusal into SourceRejected (final) with the transcoder's code", async () => {
		const bytes = new TextEncoder().encode("not media");
		const attempt = transcoderClient(env, crypto.randomUUID()).start(streamOf(bytes), bytes.length);
		await expect(attempt).rejects.toBeInstanceOf(SourceRejected);
		await expect(attempt).rejects.toMatchObject({ code: "unreadable_media" });
	});

	it("turns an unreachable transcoder into TranscoderUnavailable (retryable)", async () => {
		const bytes = sampleVideo();
		const client = transcoderClient({ ...env, TRANSCODER_URL: "http://127.0.0.1:9" }, crypto.randomUUID());
		await expect(client.start(streamOf(bytes), bytes.length)).rejects.toBeInstanceOf(TranscoderUnavailable);
		await expect(client.job()).rejects.toBeInstanceOf(TranscoderUnavailable);
	});

	it("goes to the TRANSCODER container Durable Object when no URL is configured, and health does not wake it", async () => {
		const client = transcoderClient({ ...env, TRANSCODER_URL: "" }, crypto.randomUUID());
		expect(await client.health()).toEqual({ status: "on_demand", detail: "container starts with the first job" });
		// Locally there is no container runtime, so the container DO cannot start one: the client
		// must report that as retryable, never as a refusal of the source.
		const bytes = sampleVideo();
		await expect(client.start(streamOf(bytes), bytes.length)).rejects.toBeInstanceOf(TranscoderUnavailable);
	});
});
