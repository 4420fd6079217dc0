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
	useEffect(() => s.subscribe(setValue), [s]);
	return value;
}
