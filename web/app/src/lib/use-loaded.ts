// A value a section reads from the API when it mounts: while it loads `value` is null; a problem
// becomes `error`, as a sentence; `reload()` reads again (after a change, or when the socket says
// something moved). A read that succeeds leaves `error` alone: it may be the section's own action's
// (a wrong password), which a background re-read must not wipe. Settings' sections read their lists
// this way.
import { useEffect, useState } from "preact/hooks";
import type { ApiError } from "./problems";

export function useLoaded<T>(read: () => Promise<T>) {
	const [value, setValue] = useState<T | null>(null);
	const [error, setError] = useState<string | null>(null);
	const reload = () =>
		read().then(
			(v) => setValue(() => v),
			(e: ApiError) => setError(e.message),
		);
	useEffect(() => {
		void reload();
	}, []);
	return { value, setValue, error, setError, reload };
}
