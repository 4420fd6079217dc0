// Ports for the stacks that tests and benchmarks start. Chosen at random below
// Linux's ephemeral range (32768-60999, /proc/sys/net/ipv4/ip_local_port_range):
// outgoing connections never take a port there, so a port that is free when we
// check stays free until our server binds it, unless another test binds it on
// purpose, which the random choice and the check make unlikely and detectable.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";

const LOW = 20_000;
const HIGH = 32_000;

/** Whether something listens on (or holds) 127.0.0.1:`port` right now. */
export function portInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
	return new Promise((resolve) => {
		const server = createServer();
		server.once("error", () => resolve(true));
		server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(false)));
	});
}

/** `count` distinct ports that are free now, below the ephemeral range. */
export async function freePorts(count: number): Promise<number[]> {
	const chosen: number[] = [];
	for (let tries = 0; chosen.length < count; tries++) {
		if (tries > 200) throw new Error("no free port found below 32768 after 200 tries");
		const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
		if (!chosen.includes(port) && !(await portInUse(port))) chosen.push(port);
	}
	return chosen;
}

export async function freePort(): Promise<number> {
	const [port] = await freePorts(1);
	return port as number;
}

/**
 * Names the process listening on a local TCP port ("node (pid 1234)"), read
 * from /proc: the socket's inode in /proc/net/tcp{,6}, then the process whose
 * file descriptors point at it. Undefined when it cannot tell (another user's
 * process without root, or not Linux).
 */
export function processHoldingPort(port: number): string | undefined {
	const pid = pidListeningOn(port);
	if (pid === undefined) return undefined;
	const name = readFileSafe(`/proc/${pid}/comm`).trim() || "unknown";
	return `${name} (pid ${pid})`;
}

/** The pid of the process listening on `port` (Linux, /proc), or undefined. */
export function pidListeningOn(port: number): number | undefined {
	const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
	const inodes = new Set<string>();
	for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
		let text = "";
		try {
			text = readFileSync(table, "utf8");
		} catch {
			continue;
		}
		for (const line of text.split("\n").slice(1)) {
			const cols = line.trim().split(/\s+/);
			// local_address is HEXIP:HEXPORT; state 0A is LISTEN.
			if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === "0A" && cols[9]) inodes.add(cols[9]);
		}
	}
	if (inodes.size === 0) return undefined;
	for (const pid of readdirSafe("/proc").filter((p) => /^\d+$/.test(p))) {
		for (const fd of readdirSafe(`/proc/${pid}/fd`)) {
			let target = "";
			try {
				target = readlinkSync(`/proc/${pid}/fd/${fd}`);
			} catch {
				continue;
			}
			const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
			if (inode && inodes.has(inode)) return Number(pid);
		}
	}
	return undefined;
}

function readdirSafe(dir: string): string[] {
	try {
		return readdirSync(dir);
	} catch {
		return [];
	}
}

function readFileSafe(file: string): string {
	try {
		return readFileSync(file, "utf8");
	} catch {
		return "";
	}
}
