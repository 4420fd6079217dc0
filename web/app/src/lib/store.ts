// A tiny observable value and a hook to read it: all the shared state the app
// needs (the session, the unread count) without a state library.
import { useEffect, useState } from "preact/hooks";

export interface Store<T> {
	get(): T;
	set(next: T): void;
	subscribe(fn: (v: T) => void): () => void;
}

export function store<T>(initial: T): Store<T> {
	let value = initial;
	const listeners = new Set<(v: T) => void>();
	return {
		get: () => value,
		set(next) {
			value = next;
			for (const fn of listeners) fn(value);
		},
		subscribe(fn) {
			listeners.add(fn);
			return () => listeners.delete(fn);
		},
	};
}

export function useStore<T>(s: Store<T>): T {
	const [value, setValue] = useState(s.get());
	useEffect(() => {
		const unsubscribe = s.subscribe((v) => setValue(() => v));
		// A change between this component's render and now (effects run after paint) reached no
		// listener: catch it up. Without this a reel card mounted while the session was being resumed
		// kept `undefined` for good, and its like button stayed disabled (a flaky end-to-end run).
		setValue(() => s.get());
		return unsubscribe;
	}, [s]);
	return value;
}
