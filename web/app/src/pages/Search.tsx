// Search: reels (captions, hashtags) and creators, best first. `#tag` opens the hashtag's reels.
import { useEffect, useState } from "preact/hooks";
import { ReelGrid } from "../components/ReelGrid";
import { Avatar, Empty, ErrorText, Loading } from "../components/ui";
import { answer, api, profilePath } from "../lib/api";
import type { ApiError } from "../lib/problems";
import { navigate, useRoute } from "../lib/router";
import type { Schemas } from "../lib/types";

type Results = Schemas["SearchResult"];

export function SearchPage() {
	const { query } = useRoute();
	const q = query.get("q") ?? "";
	const [results, setResults] = useState<Results | null>(null);
	const [error, setError] = useState<string | null>(null);
	useEffect(() => {
		setResults(null);
		setError(null);
		if (!q.trim()) return;
		// A slow answer to an older query must not replace the newer one's: it is aborted, and ignored.
		const superseded = new AbortController();
		const { signal } = superseded;
		const tag = q.trim().match(/^#([\p{L}][\p{L}\p{N}_]*)$/u)?.[1];
		const request = tag
			? answer(api.GET("/api/hashtags/{tag}/reels", { params: { path: { tag: tag.toLowerCase() }, query: { limit: 30 } }, signal })).then(
					(p): Results => ({ reels: p.items.map((r) => ({ ...r, rank: 0 })), users: [] }),
				)
			: answer(api.GET("/api/search", { params: { query: { q, limit: 20 } }, signal }));
		request.then(
			(r) => signal.aborted || setResults(r),
			(e: ApiError) => signal.aborted || setError(e.message),
		);
		return () => superseded.abort();
	}, [q]);
	return (
		<section class="mx-auto flex max-w-3xl flex-col gap-6 p-6 pt-20" aria-labelledby="search-title">
			<h1 id="search-title" class="text-2xl font-bold">
				Search
			</h1>
			<form
				aria-label="Search"
				onSubmit={(e) => {
					e.preventDefault();
					const value = String(new FormData(e.target as HTMLFormElement).get("q") ?? "");
					navigate(`/search?q=${encodeURIComponent(value)}`);
				}}
			>
				<label class="sr-only" for="search-q">
					Search reels, #hashtags and creators
				</label>
				{/* Uncontrolled (read on submit), so a render while someone types keeps what they typed; a new query remounts it. */}
				<input
					key={q}
					id="search-q"
					name="q"
					type="search"
					defaultValue={q}
					placeholder="Search reels, #hashtags, creators"
					class="w-full rounded-full border border-white/20 bg-white/5 px-4 py-2"
				/>
			</form>
			<ErrorText error={error} />
			{q && !results && !error ? <Loading label="Searching" /> : null}
			{results && results.reels.length === 0 && results.users.length === 0 ? <Empty>Nothing found for “{q}”.</Empty> : null}
			{results?.users.length ? (
				<div>
					<h2 class="mb-2 font-semibold">Creators</h2>
					<ul class="flex flex-col gap-2">
						{results.users.map((u) => (
							<li key={u.id}>
								<a href={profilePath(u)} class="flex items-center gap-3">
									<Avatar name={u.name} size={32} />
									<span class="flex min-w-0 flex-col">
										<span class="truncate">{u.name}</span>
										<span class="truncate text-sm text-white/60">@{u.handle}</span>
									</span>
									<span class="text-sm text-white/60">{u.followerCount} followers</span>
								</a>
							</li>
						))}
					</ul>
				</div>
			) : null}
			{results?.reels.length ? (
				<div>
					<h2 class="mb-2 font-semibold">Reels</h2>
					<ReelGrid reels={results.reels} label="Reels found" withDetails />
				</div>
			) : null}
		</section>
	);
}
