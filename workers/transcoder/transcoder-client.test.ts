import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sampleVideo } from "../test-support/media";
import { SourceRejected, TranscoderUnavailable, transcoderClient } from "./transcoder-client";

const streamOf = (bytes: Uint8Array) => new Blob([bytes]).stream();

describe("transcoderClient", () => {
	it("probes through the local transcoder process when TRANSCODER_URL is set", async () => {
		const bytes = sampleVideo();
		const probe = await transcoderClient(env).probe(streamOf(bytes), bytes.length);
		expect(probe).toMatchObject({ width: 180, height: 320, durationMs: 1000, hasAudio: true });
	});

	it("turns a refusal into SourceRejected (final) with the transcoder's code", async () => {
		const bytes = new TextEncoder().encode("not media");
		const attempt = transcoderClient(env).probe(streamOf(bytes), bytes.length);
		await expect(attempt).rejects.toBeInstanceOf(SourceRejected);
		await expect(attempt).rejects.toMatchObject({ code: "unreadable_media" });
	});

	it("turns an unreachable transcoder into TranscoderUnavailable (retryable)", async () => {
		const bytes = sampleVideo();
		const client = transcoderClient({ ...env, TRANSCODER_URL: "http://127.0.0.1:9" });
		await expect(client.probe(streamOf(bytes), bytes.length)).rejects.toBeInstanceOf(TranscoderUnavailable);
	});

	it("goes to the TRANSCODER container Durable Object when no URL is configured, and health does not wake it", async () => {
		const client = transcoderClient({ ...env, TRANSCODER_URL: "" });
		expect(await client.health()).toEqual({ status: "on_demand", detail: "container starts with the first job" });
		// Locally there is no container runtime, so the container DO cannot start one: the client
		// must report that as retryable, never as a refusal of the source.
		const bytes = sampleVideo();
		await expect(client.probe(streamOf(bytes), bytes.length)).rejects.toBeInstanceOf(TranscoderUnavailable);
	});
});
