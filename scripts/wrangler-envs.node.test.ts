// wrangler does not inherit bindings or vars into environments, so every
// environment repeats them; this proves that none was forgotten, and that the
// names which must differ (the Worker, its resources) do.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { experimental_readRawConfig } from "wrangler";

const { rawConfig } = experimental_readRawConfig({ config: "wrangler.toml" });
type Section = Record<string, unknown>;
const ENVIRONMENTS = ["staging", "production"] as const;
const envOf = (name: (typeof ENVIRONMENTS)[number]) => (rawConfig.env?.[name] ?? {}) as Section;

/** The binding names a config section declares, per kind. */
function bindings(c: Section) {
	const names = (list: unknown, key = "binding") => ((list as Section[] | undefined) ?? []).map((b) => String(b[key])).sort();
	const dos = (c.durable_objects as { bindings?: Section[] } | undefined)?.bindings;
	const queues = c.queues as { producers?: Section[]; consumers?: Section[] } | undefined;
	return {
		vars: Object.keys((c.vars as Section | undefined) ?? {}).sort(),
		d1: names(c.d1_databases),
		r2: names(c.r2_buckets),
		durableObjects: names(dos, "name"),
		queueProducers: names(queues?.producers),
		queueConsumers: (queues?.consumers ?? []).length,
		hyperdrive: names(c.hyperdrive),
		images: (c.images as Section | undefined)?.binding,
		analytics: names(c.analytics_engine_datasets),
		ratelimits: names(c.ratelimits, "name"),
		containers: names(c.containers, "class_name"),
		migrations: ((c.migrations as Section[] | undefined) ?? []).map((m) => m.tag),
		crons: (c.triggers as { crons?: string[] } | undefined)?.crons,
	};
}

describe("wrangler.toml environments", () => {
	it.each(ENVIRONMENTS)("%s declares every binding, var, migration and cron the local configuration does", (name) => {
		expect(bindings(envOf(name))).toEqual(bindings(rawConfig as Section));
	});

	it("gives each environment its own Worker name, so a bare `wrangler deploy` cannot overwrite production", () => {
		const names = [rawConfig.name, envOf("staging").name, envOf("production").name];
		expect(new Set(names).size).toBe(3);
		expect(envOf("production").name).toBe("reels-edge");
	});

	it("serves staging and production on custom domains, never on workers.dev", () => {
		for (const name of ENVIRONMENTS) {
			expect(envOf(name).workers_dev).toBe(false);
			expect(envOf(name).routes).toEqual([expect.objectContaining({ custom_domain: true })]);
		}
	});

	it("keeps staging's resources apart from production's", () => {
		const resources = (c: Section) =>
			[
				...((c.d1_databases as Section[]) ?? []).map((d) => d.database_name),
				...((c.r2_buckets as Section[]) ?? []).map((b) => b.bucket_name),
				...(((c.queues as Section)?.producers as Section[]) ?? []).map((q) => q.queue),
				...((c.hyperdrive as Section[]) ?? []).map((h) => h.id),
				...((c.analytics_engine_datasets as Section[]) ?? []).map((a) => a.dataset),
			].map(String);
		const staging = resources(envOf("staging"));
		for (const r of resources(envOf("production"))) expect(staging).not.toContain(r);
	});

	it("never lets the consumer outrun the containers", () => {
		for (const c of [rawConfig as Section, envOf("staging"), envOf("production")]) {
			const container = (c.containers as Section[]).find((x) => x.class_name === "TranscoderContainer");
			const consumer = (c.queues as { consumers: Section[] }).consumers.find((q) => String(q.queue).startsWith("transcode-jobs"));
			expect(consumer?.max_concurrency).toBeLessThanOrEqual(Number(container?.max_instances));
			expect(container?.instance_type).toBe("standard-4");
		}
	});

	it("gives live streams a container pool of their own, larger than the live encoder cap", () => {
		for (const c of [rawConfig as Section, envOf("staging"), envOf("production")]) {
			const live = (c.containers as Section[]).find((x) => x.class_name === "LiveTranscoderContainer");
			expect(Number(live?.max_instances)).toBeGreaterThan(Number((c.vars as Section).LIVE_MAX_CONCURRENT));
		}
	});

	it("gives frames a small pool of their own, as large as the frame client spreads them over", () => {
		const source = readFileSync(join(import.meta.dirname, "../workers/transcoder/transcoder-client.ts"), "utf8");
		const spread = Number(/const FRAME_INSTANCES = (\d+);/.exec(source)?.[1]);
		for (const c of [rawConfig as Section, envOf("staging"), envOf("production")]) {
			const frames = (c.containers as Section[]).find((x) => x.class_name === "FrameTranscoderContainer");
			expect(Number(frames?.max_instances)).toBe(spread);
			expect(frames?.instance_type).toBe("standard-1");
		}
	});

	it("lets no rollout replace an instance before its work can have finished (the grace period is a minimum age)", () => {
		const maxJobSeconds = 600; // transcode-container/src/config.ts MAX_JOB_SECONDS
		const maxLiveSeconds = 4 * 3600; // MAX_LIVE_SECONDS
		for (const c of [rawConfig as Section, envOf("staging"), envOf("production")]) {
			const grace = (cls: string) => Number((c.containers as Section[]).find((x) => x.class_name === cls)?.rollout_active_grace_period);
			expect(grace("TranscoderContainer")).toBeGreaterThan(maxJobSeconds);
			expect(grace("LiveTranscoderContainer")).toBeGreaterThan(maxLiveSeconds);
		}
	});
});

describe("the GitHub workflows", () => {
	const workflow = (name: string) => readFileSync(join(import.meta.dirname, "../.github/workflows", name), "utf8");

	it("keys CI's concurrency group by workflow, so deploy's call of it and the push's own run cannot cancel each other", () => {
		expect(workflow("ci.yml")).toMatch(/group: ci-\$\{\{ github\.workflow \}\}-\$\{\{ github\.ref \}\}/);
	});

	it("rolls containers out only when the transcoder changed, and waits out a first deploy's provisioning", () => {
		const deploy = workflow("deploy.yml");
		expect(deploy).toMatch(/git diff --quiet "\$previous" "\$\{\{ github\.sha \}\}" -- transcode-container\//);
		expect(deploy).toContain("--containers-rollout=none");
		expect(Number(/SMOKE_STEP_TIMEOUT_MS: "(\d+)"/.exec(deploy)?.[1])).toBeGreaterThanOrEqual(600_000);
	});
});
