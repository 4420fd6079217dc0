// node-postgres sends a statement with parameters as five protocol messages (Parse, Bind, Describe,
// Execute, Sync) between stream.cork() and stream.uncork(), so that Node's socket sends them as one
// write. pg-cloudflare's socket has neither method, so on Workers each message was a write of its
// own: five socket writes (and as many packets to Hyperdrive) per statement, a large share of the
// isolate's busy time under the mixed load (docs/benchmarks.md, "Under the mixed load"). This socket
// keeps what is written while corked and writes it once at the last uncork, as Node's does.
import { Buffer } from "node:buffer";
import { CloudflareSocket } from "pg-cloudflare";

type Callback = (error?: unknown) => void;
type WriteResult = ReturnType<CloudflareSocket["write"]>;

/** The subclass, made on first use: outside workerd (the OpenAPI generator loads the app under Node) pg-cloudflare exports nothing to extend. */
let Corking: (new (ssl: boolean) => CloudflareSocket) | undefined;

const corkingClass = () =>
	class CorkingSocket extends CloudflareSocket {
		private corks = 0;
		private held: Uint8Array[] = [];
		private callbacks: Callback[] = [];

		cork(): void {
			this.corks++;
		}

		uncork(): void {
			if (this.corks === 0 || --this.corks > 0 || this.held.length === 0) return;
			const data = this.held.length === 1 ? (this.held[0] as Uint8Array) : Buffer.concat(this.held);
			const callbacks = this.callbacks;
			this.held = [];
			this.callbacks = [];
			super.write(data, (err) => {
				for (const cb of callbacks) cb(err);
			});
		}

		override write(data: Uint8Array | string, encodingOrCallback?: BufferEncoding | Callback, callback?: Callback): WriteResult {
			const cb = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
			const encoding = typeof encodingOrCallback === "string" ? encodingOrCallback : "utf8";
			if (this.corks === 0) return super.write(data, encoding, cb);
			// pg-protocol makes a new buffer for each message and never changes its constant ones (Sync, Flush): safe to hold.
			this.held.push(typeof data === "string" ? Buffer.from(data, encoding) : data);
			if (cb) this.callbacks.push(cb);
			return true;
		}
	};

/** A Workers socket for node-postgres that sends a corked statement as one write (`ssl` as pg passes it). */
export function corkingSocket(ssl: boolean): CloudflareSocket {
	Corking ??= corkingClass();
	return new Corking(ssl);
}
