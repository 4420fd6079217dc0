// Structured JSON logs, one object a line, as Workers Logs indexes them.
// Keys that can carry credentials are redacted wherever they appear.
type Level = "debug" | "info" | "warn" | "error";
type Fields = Record<string, unknown>;

const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|connection_?string|api_?key/i;

// user:password@ inside any URL-like string, e.g. a connection string quoted in an error message.
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(:[^\s/@]*)?@/gi;

// Credentials this platform mints, wherever they appear in text (a failed query's parameters quoted
// in its error message): webhook signing secrets and API keys.
const MINTED_SECRETS = /\b(whsec_)[A-Za-z0-9+/=]+|\b(rk_[0-9a-f]{8})[0-9a-f]{56}_[A-Za-z0-9_-]+/g;

export function redact(value: unknown, depth = 0): unknown {
	if (typeof value === "string") {
		return value
			.replace(URL_CREDENTIALS, "$1[redacted]@")
			.replace(MINTED_SECRETS, (_m, wh?: string, rk?: string) => `${wh ?? rk}[redacted]`);
	}
	if (depth > 5 || value === null || typeof value !== "object") return value;
	if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
	const out: Fields = {};
	for (const [k, v] of Object.entries(value)) {
		out[k] = SECRET_KEY.test(k) ? "[redacted]" : redact(v, depth + 1);
	}
	return out;
}

function write(level: Level, msg: string, fields: Fields = {}) {
	const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...(redact(fields) as Fields) });
	if (level === "error") console.error(line);
	else if (level === "warn") console.warn(line);
	else console.log(line);
}

export const logger = {
	debug: (msg: string, fields?: Fields) => write("debug", msg, fields),
	info: (msg: string, fields?: Fields) => write("info", msg, fields),
	warn: (msg: string, fields?: Fields) => write("warn", msg, fields),
	error: (msg: string, fields?: Fields) => write("error", msg, fields),
};
