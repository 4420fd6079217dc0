// Admin: reported reels (restore or delete), an edge-cache purge, realtime stats.
import { useEffect, useState } from "preact/hooks";
import { Button, Empty, ErrorText, Loading } from "../components/ui";
import { answer, api, session } from "../lib/api";
import type { ApiError } from "../lib/problems";
import type { Schemas } from "../lib/types";

export function AdminPage() {
	const me = session.value;
	const [reported, setReported] = useState<Schemas["ReportedReelPage"]["items"] | null>(null);
	const [stats, setStats] = useState<unknown>(null);
	const [error, setError] = useState<string | null>(null);
	const [notice, setNotice] = useState<string | null>(null);

	const load = () => {
		answer(api.GET("/api/admin/reels/reported", { params: { query: { limit: 50 } } }))
			.then((p) => setReported(p.items))
			.catch((e: ApiError) => setError(e.message));
		answer(api.GET("/api/realtime/stats"))
			.then(setStats)
			.catch(() => undefined);
	};
	// Only an admin's page asks: a normal account would be refused (403, an error in the console).
	useEffect(() => {
		if (me?.user.role === "admin") load();
	}, [me?.user.role]);

	const act = async (what: () => Promise<unknown>, done: string) => {
		setError(null);
		try {
			await what();
			setNotice(done);
			load();
		} catch (e) {
			setError((e as ApiError).message);
		}
	};

	if (me?.user.role !== "admin") return <Empty>This page is for admins.</Empty>;
	return (
		<section class="mx-auto flex max-w-3xl flex-col gap-6 p-6 pt-20" aria-labelledby="admin-title">
			<h1 id="admin-title" class="text-2xl font-bold">
				Admin
			</h1>
			<ErrorText error={error} />
			{notice ? <p role="status">{notice}</p> : null}
			<h2 class="font-semibold">Reported reels</h2>
			{reported === null ? <Loading label="Loading reports" /> : null}
			{reported?.length === 0 ? <Empty>Nothing reported.</Empty> : null}
			<ul class="flex flex-col gap-3">
				{reported?.map((r) => (
					<li key={r.id} class="flex items-center gap-3 rounded-xl bg-white/5 p-3">
						<a href={`/reel/${r.id}`} class="flex-1">
							<strong>{r.caption || "(no caption)"}</strong> by {r.author.name} · {r.reportCount} reports {r.hidden ? "· hidden" : ""}
						</a>
						<Button
							variant="ghost"
							onClick={() => void act(() => api.POST("/api/admin/reels/{id}/restore", { params: { path: { id: r.id } } }), "Restored.")}
						>
							Restore
						</Button>
						<Button
							variant="danger"
							onClick={() =>
								void act(() => api.DELETE("/api/reels/{id}", { params: { path: { id: r.id } } }), "Deleted; the video is taken down.")
							}
						>
							Delete
						</Button>
					</li>
				))}
			</ul>
			<h2 class="font-semibold">Purge from the edge cache</h2>
			<form
				class="flex gap-2"
				onSubmit={(e) => {
					e.preventDefault();
					const key = String(new FormData(e.target as HTMLFormElement).get("key") ?? "").replace(/^\/cdn\//, "");
					// The key goes in the body, never into a URL path (where `../` would make it another route).
					void act(() => api.POST("/cdn/cache/purge", { body: { keys: [key] } }), `Purged ${key}.`);
				}}
			>
				<label class="sr-only" for="purge-key">
					Media path to purge
				</label>
				<input
					id="purge-key"
					name="key"
					required
					placeholder="/cdn/2026/11/23/<id>.jpg"
					class="flex-1 rounded-full border border-white/20 bg-white/5 px-4 py-2"
				/>
				<Button type="submit">Purge</Button>
			</form>
			<h2 class="font-semibold">Realtime</h2>
			{stats ? (
				<pre class="overflow-x-auto rounded-xl bg-white/5 p-3 text-xs">{JSON.stringify(stats, null, 2)}</pre>
			) : (
				<Loading label="Loading stats" />
			)}
		</section>
	);
}
