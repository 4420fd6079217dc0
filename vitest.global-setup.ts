// Brings up what the Workers-runtime tests talk to for real: a Postgres
// primary + streaming replica (a separate test cluster, not the dev one) and
// the transcoder as a Node process. Values reach vitest.config.ts via inject().
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { migratePostgres } from "./scripts/migrate.ts";
import { down, testCluster, up } from "./scripts/postgres-cluster.ts";
import { createTranscoder } from "./transcode-container/src/server.ts";

declare module "vitest" {
	export interface ProvidedContext {
		primaryUrl: string;
		replicaUrl: string;
		adminUrl: string;
		transcoderUrl: string;
		pgDataDir: string;
	}
}

export default async function setup(project: TestProject) {
	const cluster = testCluster(resolve(import.meta.dirname));
	const pg = up(cluster);
	await migratePostgres(pg.primaryUrl);

	const transcoder = createTranscoder({
		port: 0,
		host: "127.0.0.1",
		workDir: resolve(import.meta.dirname, ".local/transcoder-test"),
		maxSourceBytes: 64 * 1024 * 1024,
		maxSourceSeconds: 60,
		maxConcurrentJobs: 2,
	});
	transcoder.server.listen(0, "127.0.0.1");
	await once(transcoder.server, "listening");
	const { port } = transcoder.server.address() as AddressInfo;

	project.provide("primaryUrl", pg.primaryUrl);
	project.provide("replicaUrl", pg.replicaUrl);
	project.provide("adminUrl", pg.adminUrl);
	project.provide("transcoderUrl", `http://127.0.0.1:${port}`);
	project.provide("pgDataDir", cluster.dataDir);

	return async () => {
		await transcoder.drain();
		// Leave a cluster running that somebody else started (e.g. a watch session).
		if (pg.started) down(cluster);
	};
}
