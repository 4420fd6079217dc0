// Pages most visits never open (going live, uploading, the admin page) are loaded on first use, so
// the JavaScript needed before the first reel plays stays small (docs/benchmarks.md, "The web
// app's first play"). Preact's own lazy() needs preact/compat; this is the few lines we use of it.
import type { FunctionComponent } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ErrorText, Loading } from "../components/ui";

export function lazyPage<P extends object>(load: () => Promise<FunctionComponent<P>>): FunctionComponent<P> {
	let loaded: FunctionComponent<P> | undefined;
	let loading: Promise<FunctionComponent<P>> | undefined;
	return function LazyPage(props: P) {
		const [, setReady] = useState(false);
		const [failed, setFailed] = useState(false);
		useEffect(() => {
			if (loaded) return;
			loading ??= load();
			loading.then(
				(page) => {
					loaded = page;
					setReady(true);
				},
				() => {
					// A deploy replaced the chunk, or the network dropped: the next visit asks again.
					loading = undefined;
					setFailed(true);
				},
			);
		}, []);
		if (loaded) {
			const Page = loaded;
			return <Page {...props} />;
		}
		return failed ? <ErrorText error="This page could not be loaded. Check your connection and reload." /> : <Loading />;
	};
}
