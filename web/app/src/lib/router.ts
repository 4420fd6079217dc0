// Client-side routes on the History API (the Worker serves index.html for any
// path that is not an API, media or asset path: wrangler.toml [assets]).
import { signal } from "@preact/signals";

export const path = signal(location.pathname + location.search + location.hash);

export function navigate(to: string, replace = false): void {
	if (to === path.value) return;
	if (replace) history.replaceState(null, "", to);
	else history.pushState(null, "", to);
	path.value = to;
	window.scrollTo(0, 0);
}

window.addEventListener("popstate", () => {
	path.value = location.pathname + location.search + location.hash;
});

export function useRoute(): { path: string; query: URLSearchParams } {
	// A fragment (/reel/x#comments) is the page's business, not the route's.
	const p = path.value.split("#")[0] ?? "/";
	const [pathname = "/", search = ""] = p.split("?");
	return { path: pathname, query: new URLSearchParams(search) };
}

/** `/u/:id` against `/u/abc` → { id: "abc" }, or null. */
export function match(pattern: string, actual: string): Record<string, string> | null {
	const a = pattern.split("/");
	const b = actual.split("/");
	if (a.length !== b.length) return null;
	const params: Record<string, string> = {};
	for (let i = 0; i < a.length; i++) {
		const p = a[i] ?? "";
		if (p.startsWith(":")) params[p.slice(1)] = decodeURIComponent(b[i] ?? "");
		else if (p !== b[i]) return null;
	}
	return params;
}
