// A creator's playback analytics: the account's totals and most viewed reels (/analytics), and one
// reel's (/analytics/:id) with its retention curve and views by day, drawn as small SVG charts.
import { useEffect, useState } from "preact/hooks";
import { Empty, ErrorText, Loading } from "../components/ui";
import { answer, api } from "../lib/api";
import type { ApiError } from "../lib/problems";
import type { Schemas } from "../lib/types";

type Figures = Schemas["PlaybackFigures"];
const PERIODS = [7, 28, 90] as const;

const percent = (share: number | null) => (share === null ? "–" : `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`);
const duration = (seconds: number | null) => {
	if (seconds === null) return "–";
	if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
	return `${(seconds / 3600).toFixed(1)} h`;
};
const millis = (ms: number | null) => (ms === null ? "–" : `${Math.round(ms)} ms`);

/** Reads `load(days)` again whenever the period changes; an answer for a period left behind is dropped. */
function usePeriod<T>(load: (days: number) => Promise<T>) {
	const [days, setDays] = useState<number>(28);
	const [value, setValue] = useState<T | null>(null);
	const [error, setError] = useState<string | null>(null);
	useEffect(() => {
		let current = true;
		setValue(null);
		setError(null);
		load(days).then(
			(v) => current && setValue(() => v),
			(e: ApiError) => current && setError(e.message),
		);
		return () => {
			current = false;
		};
	}, [days]);
	return { days, setDays, value, error };
}

function PeriodPicker({ days, setDays }: { days: number; setDays: (d: number) => void }) {
	return (
		<fieldset class="flex gap-1 rounded-full bg-white/10 p-1 text-sm">
			<legend class="sr-only">Period</legend>
			{PERIODS.map((d) => (
				<button
					key={d}
					type="button"
					aria-pressed={days === d}
					class={`rounded-full px-3 py-1 ${days === d ? "bg-white text-black" : "hover:bg-white/10"}`}
					onClick={() => setDays(d)}
				>
					{d} days
				</button>
			))}
		</fieldset>
	);
}

function Tiles({ figures }: { figures: Figures }) {
	const tiles: [string, string][] = [
		["Views", String(figures.views)],
		["Plays", String(figures.plays)],
		["Viewers", String(figures.uniqueViewers)],
		["Watch time", duration(figures.watchSeconds)],
		["Average watch", duration(figures.averageWatchSeconds)],
		["Watched to the end", percent(figures.completionRate)],
		["Start time (median)", millis(figures.startupMs.p50)],
		["Start time (90th pct.)", millis(figures.startupMs.p90)],
		["Time stalled", percent(figures.rebufferRatio)],
		["Plays with an error", percent(figures.errorRate)],
	];
	return (
		<dl class="grid grid-cols-2 gap-2 sm:grid-cols-3 lg:grid-cols-5">
			{tiles.map(([label, value]) => (
				<div key={label} class="rounded-xl bg-white/5 p-3">
					<dt class="text-xs text-white/70">{label}</dt>
					<dd class="text-xl font-semibold tabular-nums">{value}</dd>
				</div>
			))}
		</dl>
	);
}

const W = 320;
const H = 140;
const PAD = { left: 34, right: 8, top: 10, bottom: 22 };
const plotW = W - PAD.left - PAD.right;
const plotH = H - PAD.top - PAD.bottom;

/** The share of plays still watching at each tenth of the video: 100% at the start. */
function RetentionChart({ retention }: { retention: number[] }) {
	const points = [1, ...retention].map((share, i) => [PAD.left + (i / 10) * plotW, PAD.top + (1 - share) * plotH] as const);
	const line = points.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
	const last = points.at(-1);
	const area = `${line} L${last?.[0] ?? 0},${PAD.top + plotH} L${PAD.left},${PAD.top + plotH} Z`;
	const summary = retention.map((s, i) => `${(i + 1) * 10}%: ${percent(s)}`).join(", ");
	return (
		<figure class="rounded-xl bg-white/5 p-3">
			<figcaption class="mb-2 text-sm font-semibold">Retention: who is still watching</figcaption>
			<svg viewBox={`0 0 ${W} ${H}`} class="w-full" role="img" aria-label={`Share of plays past each tenth of the video. ${summary}`}>
				{[0, 0.5, 1].map((g) => (
					<g key={g}>
						<line x1={PAD.left} x2={W - PAD.right} y1={PAD.top + (1 - g) * plotH} y2={PAD.top + (1 - g) * plotH} class="stroke-white/15" />
						<text x={PAD.left - 4} y={PAD.top + (1 - g) * plotH + 3} text-anchor="end" class="fill-white/60 text-[9px]">
							{g * 100}%
						</text>
					</g>
				))}
				<path d={area} class="fill-yellow-300/20" />
				<path d={line} class="fill-none stroke-yellow-300" stroke-width="2" />
				{["start", "middle", "end"].map((label, i) => (
					<text
						key={label}
						x={PAD.left + (i / 2) * plotW}
						y={H - 6}
						text-anchor={i === 0 ? "start" : i === 2 ? "end" : "middle"}
						class="fill-white/60 text-[9px]"
					>
						{label}
					</text>
				))}
			</svg>
		</figure>
	);
}

/** Views on each day of the period, days without any included. */
function ViewsChart({ byDay, days }: { byDay: Schemas["ReelAnalytics"]["byDay"]; days: number }) {
	const counts = new Map(byDay.map((d) => [d.day, d.views]));
	const series = Array.from({ length: days }, (_, i) => {
		const d = new Date();
		d.setUTCDate(d.getUTCDate() - (days - 1 - i));
		const day = d.toISOString().slice(0, 10);
		return { day, views: counts.get(day) ?? 0 };
	});
	const top = Math.max(1, ...series.map((s) => s.views));
	const slot = plotW / series.length;
	const total = series.reduce((n, s) => n + s.views, 0);
	return (
		<figure class="rounded-xl bg-white/5 p-3">
			<figcaption class="mb-2 text-sm font-semibold">Views by day</figcaption>
			<svg
				viewBox={`0 0 ${W} ${H}`}
				class="w-full"
				role="img"
				aria-label={`${total} views in the last ${days} days, at most ${top} in a day`}
			>
				<line x1={PAD.left} x2={W - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} class="stroke-white/30" />
				<text x={PAD.left - 4} y={PAD.top + 3} text-anchor="end" class="fill-white/60 text-[9px]">
					{top}
				</text>
				{series.map((s, i) => {
					const h = (s.views / top) * plotH;
					return (
						<rect
							key={s.day}
							x={PAD.left + i * slot + slot * 0.15}
							width={slot * 0.7}
							y={PAD.top + plotH - h}
							height={h}
							class="fill-yellow-300"
						>
							<title>{`${s.day}: ${s.views} views`}</title>
						</rect>
					);
				})}
				<text x={PAD.left} y={H - 6} class="fill-white/60 text-[9px]">
					{series[0]?.day}
				</text>
				<text x={W - PAD.right} y={H - 6} text-anchor="end" class="fill-white/60 text-[9px]">
					today
				</text>
			</svg>
		</figure>
	);
}

function Frame({
	title,
	days,
	setDays,
	children,
}: {
	title: string;
	days: number;
	setDays: (d: number) => void;
	children: preact.ComponentChildren;
}) {
	return (
		<main class="mx-auto flex w-full max-w-4xl flex-col gap-4 p-4 pt-16 pb-24 md:pt-6" aria-labelledby="analytics-title">
			<div class="flex flex-wrap items-center justify-between gap-3">
				<h1 id="analytics-title" class="text-2xl font-bold">
					{title}
				</h1>
				<PeriodPicker days={days} setDays={setDays} />
			</div>
			{children}
		</main>
	);
}

export function AnalyticsPage() {
	const { days, setDays, value, error } = usePeriod((d) => answer(api.GET("/api/users/me/analytics", { params: { query: { days: d } } })));
	return (
		<Frame title="Analytics" days={days} setDays={setDays}>
			<ErrorText error={error} />
			{value === null ? (
				error ? null : (
					<Loading label="Reading your analytics" />
				)
			) : (
				<>
					<Tiles figures={value.figures} />
					<section aria-labelledby="top-title" class="flex flex-col gap-2">
						<h2 id="top-title" class="text-lg font-semibold">
							Most viewed reels
						</h2>
						{value.topReels.length === 0 ? (
							<Empty>Nobody has watched your reels in this period yet.</Empty>
						) : (
							<ol class="flex flex-col gap-1">
								{value.topReels.map((r) => (
									<li key={r.reelId}>
										<a
											href={`/analytics/${r.reelId}`}
											class="flex items-center justify-between gap-3 rounded-xl bg-white/5 p-3 hover:bg-white/10"
										>
											<span class="min-w-0 truncate">{r.caption || "A reel"}</span>
											<span class="shrink-0 text-sm text-white/70 tabular-nums">
												{r.views} views · {duration(r.watchSeconds)} · {percent(r.completionRate)} to the end
											</span>
										</a>
									</li>
								))}
							</ol>
						)}
					</section>
				</>
			)}
		</Frame>
	);
}

export function ReelAnalyticsPage({ id }: { id: string }) {
	const { days, setDays, value, error } = usePeriod((d) =>
		answer(api.GET("/api/reels/{id}/analytics", { params: { path: { id }, query: { days: d } } })),
	);
	return (
		<Frame title="Reel analytics" days={days} setDays={setDays}>
			<p class="text-sm">
				<a class="text-yellow-300 underline" href={`/reel/${id}`}>
					Watch the reel
				</a>{" "}
				·{" "}
				<a class="text-yellow-300 underline" href="/analytics">
					All your reels
				</a>
			</p>
			<ErrorText error={error} />
			{value === null ? (
				error ? null : (
					<Loading label="Reading the reel's analytics" />
				)
			) : (
				<>
					<Tiles figures={value.figures} />
					<div class="grid gap-3 md:grid-cols-2">
						{value.retention.length > 0 ? (
							<RetentionChart retention={value.retention} />
						) : (
							<Empty>No retention until the video's length is known.</Empty>
						)}
						<ViewsChart byDay={value.byDay} days={days} />
					</div>
				</>
			)}
		</Frame>
	);
}
