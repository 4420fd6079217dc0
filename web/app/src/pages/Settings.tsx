// Account settings: the email (verified or not, a new link, a change by a link to the new
// address), the password (every other session signs out), and API keys for a team's server
// (created with the password again, shown once, revoked at once).
import { useEffect, useState } from "preact/hooks";
import { Button, Empty, ErrorText, Field, Loading } from "../components/ui";
import { answer, api, forgetSession, session, type User } from "../lib/api";
import type { ApiError } from "../lib/problems";
import { onEvent } from "../lib/realtime";
import { navigate } from "../lib/router";
import type { Schemas } from "../lib/types";
import { useLoaded } from "../lib/use-loaded";

/** What a key may do, as the API names it, with what it means to a person. */
type Scope = Schemas["CreateApiKeyRequest"]["scopes"][number];
const SCOPES: [scope: Scope, means: string][] = [
	["videos:read", "read your uploads' status and storage"],
	["videos:write", "upload and delete videos and images"],
	["reels:read", "read reels, profiles and search as you"],
	["reels:write", "post, edit and delete your reels"],
	["live:write", "create live streams and their keys"],
	["analytics:read", "read your reels' playback analytics"],
];

type ApiKey = Schemas["ApiKey"];

const when = (iso: string | null, never: string) => (iso ? new Date(iso).toLocaleString() : never);

function EmailSection({ user }: { user: User }) {
	const [error, setError] = useState<string | null>(null);
	const [done, setDone] = useState<string | null>(null);
	const [busy, setBusy] = useState(false);
	const act = async (work: () => Promise<string>) => {
		setError(null);
		setDone(null);
		setBusy(true);
		try {
			setDone(await work());
		} catch (err) {
			setError((err as ApiError).message);
		} finally {
			setBusy(false);
		}
	};
	const resend = () =>
		act(async () => {
			await api.POST("/api/auth/verify/resend");
			return `A new link is on its way to ${user.email}.`;
		});
	const change = (e: Event) => {
		e.preventDefault();
		const form = e.currentTarget as HTMLFormElement;
		const data = new FormData(form);
		const newEmail = String(data.get("newEmail"));
		return act(async () => {
			await api.POST("/api/auth/email", { body: { newEmail, password: String(data.get("emailPassword")) } });
			form.reset();
			return `Follow the link we mailed to ${newEmail} to make it your email. Until then, ${user.email} stays.`;
		});
	};
	return (
		<section class="flex flex-col gap-3 rounded-2xl bg-white/5 p-4" aria-labelledby="email-title">
			<h2 id="email-title" class="font-semibold">
				Email
			</h2>
			<p class="flex flex-wrap items-center gap-2">
				<span class="break-all">{user.email}</span>
				{user.emailVerified ? (
					<span class="rounded-full bg-emerald-400/15 px-2 py-0.5 text-xs font-semibold text-emerald-300">Verified</span>
				) : (
					<span class="rounded-full bg-yellow-400/15 px-2 py-0.5 text-xs font-semibold text-yellow-300">Not verified</span>
				)}
			</p>
			{user.emailVerified ? null : (
				<div class="flex flex-wrap items-center gap-3">
					<p class="flex-1 text-sm text-white/70">Follow the link we mailed you to post more than a few reels and to go live.</p>
					<Button variant="ghost" onClick={() => void resend()} disabled={busy}>
						Send a new link
					</Button>
				</div>
			)}
			<form class="flex flex-col gap-3 border-t border-white/10 pt-3" onSubmit={change} aria-label="Change your email">
				<Field label="New email" name="newEmail" type="email" autocomplete="email" required maxLength={254} />
				<Field label="Your password" name="emailPassword" type="password" autocomplete="current-password" required />
				<Button type="submit" disabled={busy}>
					Change email
				</Button>
			</form>
			<ErrorText error={error} />
			{done ? <p role="status">{done}</p> : null}
		</section>
	);
}

function PasswordForm() {
	const [error, setError] = useState<string | null>(null);
	const [done, setDone] = useState<string | null>(null);
	const [busy, setBusy] = useState(false);
	const submit = async (e: Event) => {
		e.preventDefault();
		const form = e.currentTarget as HTMLFormElement;
		const data = new FormData(form);
		setError(null);
		setDone(null);
		setBusy(true);
		try {
			const out = await answer(
				api.POST("/api/auth/password", {
					body: { currentPassword: String(data.get("currentPassword")), newPassword: String(data.get("newPassword")) },
				}),
			);
			// This session goes on with the fresh token (the old one is refused from now on).
			const s = session.value;
			if (s) session.value = { ...s, accessToken: out.accessToken };
			form.reset();
			const others = out.endedSessions === 1 ? "1 other session was" : `${out.endedSessions} other sessions were`;
			setDone(`Password changed. ${others} signed out.`);
		} catch (err) {
			setError((err as ApiError).message);
		} finally {
			setBusy(false);
		}
	};
	return (
		<form class="flex flex-col gap-3 rounded-2xl bg-white/5 p-4" onSubmit={submit} aria-labelledby="password-title">
			<h2 id="password-title" class="font-semibold">
				Password
			</h2>
			<Field label="Current password" name="currentPassword" type="password" autocomplete="current-password" required />
			<Field
				label="New password"
				name="newPassword"
				type="password"
				autocomplete="new-password"
				required
				minLength={10}
				maxLength={128}
				hint="10 or more characters, with a letter and a digit or symbol. Your other sessions will be signed out."
			/>
			<ErrorText error={error} />
			{done ? <p role="status">{done}</p> : null}
			<Button type="submit" disabled={busy}>
				Change password
			</Button>
		</form>
	);
}

function ApiKeys() {
	const {
		value: keys,
		setValue: setKeys,
		error,
		setError,
		reload: load,
	} = useLoaded(() => answer(api.GET("/api/keys")).then((p) => p.items));
	const [shown, setShown] = useState<{ name: string; key: string } | null>(null);
	const [busy, setBusy] = useState(false);

	const create = async (e: Event) => {
		e.preventDefault();
		const form = e.currentTarget as HTMLFormElement;
		const data = new FormData(form);
		const chosen = data.getAll("scope").map(String);
		const scopes = SCOPES.map(([scope]) => scope).filter((scope) => chosen.includes(scope));
		setError(null);
		setShown(null);
		if (scopes.length === 0) return setError("Choose at least one thing the key may do.");
		setBusy(true);
		try {
			const out = await answer(
				api.POST("/api/keys", { body: { password: String(data.get("keyPassword")), name: String(data.get("keyName")), scopes } }),
			);
			setShown({ name: out.name, key: out.key });
			form.reset();
			await load();
		} catch (err) {
			setError((err as ApiError).message);
		} finally {
			setBusy(false);
		}
	};
	const revoke = async (key: ApiKey) => {
		setError(null);
		try {
			await api.DELETE("/api/keys/{id}", { params: { path: { id: key.id } } });
			setKeys((ks) => ks?.filter((k) => k.id !== key.id) ?? null);
		} catch (err) {
			setError((err as ApiError).message);
		}
	};

	return (
		<section class="flex flex-col gap-3 rounded-2xl bg-white/5 p-4" aria-labelledby="keys-title">
			<h2 id="keys-title" class="font-semibold">
				API keys
			</h2>
			<p class="text-sm text-white/70">
				For your own servers: <code>Authorization: Bearer rk_…</code> acts as you, only for what the key may do, never on this account.
			</p>
			{shown ? (
				<div role="status" class="flex flex-col gap-2 rounded-xl bg-yellow-400/10 p-3">
					<p class="text-sm">
						<strong>{shown.name}</strong>: copy it now, it is shown only once.
					</p>
					<input
						readOnly
						value={shown.key}
						aria-label="The new API key"
						class="w-full rounded-lg bg-black/40 px-2 py-1 font-mono text-xs"
						onFocus={(e) => (e.currentTarget as HTMLInputElement).select()}
					/>
				</div>
			) : null}
			{keys === null ? <Loading label="Loading your keys" /> : null}
			{keys?.length === 0 ? <Empty>No API keys yet.</Empty> : null}
			<ul class="flex flex-col gap-2" aria-label="Your API keys">
				{keys?.map((k) => (
					<li key={k.id} class="flex flex-wrap items-center gap-3 rounded-xl bg-black/30 p-3">
						<div class="min-w-0 flex-1">
							<p class="font-semibold">{k.name}</p>
							<p class="text-xs text-white/70">
								<code>{k.prefix}…</code> · {k.scopes.join(", ")} · last used {when(k.lastUsedAt, "never")}
								{k.expiresAt ? ` · expires ${when(k.expiresAt, "")}` : ""}
							</p>
						</div>
						<Button variant="danger" onClick={() => void revoke(k)} aria-label={`Revoke ${k.name}`}>
							Revoke
						</Button>
					</li>
				))}
			</ul>
			<form class="flex flex-col gap-3 border-t border-white/10 pt-3" onSubmit={create} aria-label="Create an API key">
				<Field label="Name" name="keyName" required maxLength={64} hint="What it is for, e.g. “CI uploader”." />
				<fieldset class="flex flex-col gap-1">
					<legend class="mb-1 text-sm text-white/80">It may</legend>
					{SCOPES.map(([scope, means]) => (
						<label key={scope} class="flex items-start gap-2 text-sm">
							<input type="checkbox" name="scope" value={scope} class="mt-1" />
							<span>
								{means} <code class="text-white/60">{scope}</code>
							</span>
						</label>
					))}
				</fieldset>
				<Field label="Your password" name="keyPassword" type="password" autocomplete="current-password" required />
				<ErrorText error={error} />
				<Button type="submit" disabled={busy}>
					Create key
				</Button>
			</form>
		</section>
	);
}

type NotificationPrefs = Schemas["NotificationPreferences"];
type Kind = keyof NotificationPrefs["channels"];
type Channel = NotificationPrefs["channels"][Kind];

/** Each kind of event as a person names it. */
const KINDS: [type: Kind, said: string][] = [
	["NEW_FOLLOWER", "A new follower"],
	["FOLLOW_REQUESTED", "A follow request"],
	["NEW_COMMENT", "A comment on your reel"],
	["COMMENT_REPLY", "A reply to your comment"],
	["MENTIONED", "A mention"],
	["REEL_LIKED", "A like"],
	["NEW_REEL", "A new reel from someone you follow"],
	["LIVE_STARTED", "Someone you follow goes live"],
];

const CHANNEL_SAID: Record<Channel, string> = { in_app: "In the app", email: "Email only", both: "App, and email when away" };

/** How you hear of things: a choice per kind, or one mail a day. */
function NotificationSettings({ verified }: { verified: boolean }) {
	const { value: prefs, setValue: setPrefs, error, setError } = useLoaded(() => answer(api.GET("/api/users/me/notifications")));
	const change = async (patch: Schemas["UpdateNotificationPreferences"]) => {
		setError(null);
		try {
			setPrefs(await answer(api.PATCH("/api/users/me/notifications", { body: patch })));
		} catch (err) {
			setError((err as ApiError).message);
		}
	};
	return (
		<section class="flex flex-col gap-3 rounded-2xl bg-white/5 p-4" aria-labelledby="notifications-title">
			<h2 id="notifications-title" class="font-semibold">
				Notifications
			</h2>
			{verified ? null : <p class="text-sm text-yellow-300">Mail goes only to a verified address: verify yours above.</p>}
			{prefs === null && !error ? <Loading label="Loading your notification settings" /> : null}
			{prefs ? (
				<>
					<div class="flex flex-col gap-2">
						{KINDS.map(([type, said]) => (
							<label key={type} class="flex flex-wrap items-center justify-between gap-2 text-sm">
								<span>{said}</span>
								<select
									class="rounded-lg border border-white/20 bg-black/40 px-2 py-1"
									value={prefs.channels[type] ?? "in_app"}
									disabled={prefs.digest}
									onChange={(e) => void change({ channels: { [type]: (e.currentTarget as HTMLSelectElement).value as Channel } })}
								>
									{(Object.keys(CHANNEL_SAID) as Channel[]).map((c) => (
										<option key={c} value={c}>
											{CHANNEL_SAID[c]}
										</option>
									))}
								</select>
							</label>
						))}
					</div>
					<label class="flex items-start gap-2 border-t border-white/10 pt-3 text-sm">
						<input
							type="checkbox"
							class="mt-1"
							checked={prefs.digest}
							onChange={(e) => void change({ digest: (e.currentTarget as HTMLInputElement).checked })}
						/>
						<span>One mail a day with what happened, instead of one mail each</span>
					</label>
				</>
			) : null}
			<ErrorText error={error} />
		</section>
	);
}

type DataExport = Schemas["DataExport"];

const STATUS_SAID: Record<DataExport["status"], string> = {
	pending: "Being prepared: we will mail you when it is ready.",
	ready: "Ready: the link to download it is in your mail.",
	failed: "Could not be made; ask for a new one.",
};

/** Your data, to take with you: ask for an archive (the password again), see it prepared, download it. */
function ExportData() {
	const { value: exports, error, setError, reload: load } = useLoaded(() => answer(api.GET("/api/users/me/exports")).then((p) => p.items));
	const [busy, setBusy] = useState(false);
	useEffect(() => {
		// A pending one becomes ready with an EXPORT_READY event on the socket: the list reads again then.
		const off = onEvent((e) => {
			if (e.type === "EXPORT_READY") void load();
		});
		return () => void off();
	}, []);
	// The event may come before the socket is open (a small export takes a second): while one is
	// pending, the list is read again every few seconds too, and not otherwise.
	const pending = exports?.some((x) => x.status === "pending") ?? false;
	useEffect(() => {
		if (!pending) return;
		const timer = setTimeout(() => void load(), 3000);
		return () => clearTimeout(timer);
	}, [pending, exports]);
	const submit = async (e: Event) => {
		e.preventDefault();
		const form = e.currentTarget as HTMLFormElement;
		setError(null);
		setBusy(true);
		try {
			await api.POST("/api/users/me/export", { body: { password: String(new FormData(form).get("exportPassword")) } });
			form.reset();
			await load();
		} catch (err) {
			setError((err as ApiError).message);
		} finally {
			setBusy(false);
		}
	};
	return (
		<section class="flex flex-col gap-3 rounded-2xl bg-white/5 p-4" aria-labelledby="export-title">
			<h2 id="export-title" class="font-semibold">
				Your data
			</h2>
			<p class="text-sm text-white/70">
				An archive of your profile, reels, comments, likes, follows and notifications, with links to every file you uploaded. Its link is
				mailed to you (only you can open your mail). One a day; kept for 7 days.
			</p>
			<ul class="flex flex-col gap-2" aria-label="Your data exports">
				{exports?.map((x) => (
					<li key={x.id} class="flex flex-wrap items-center gap-3 rounded-xl bg-black/30 p-3 text-sm">
						<span class="flex-1">
							{new Date(x.createdAt).toLocaleString()}: {STATUS_SAID[x.status]}
							{x.bytes ? ` (${Math.max(1, Math.round(x.bytes / 1024))} KB)` : ""}
						</span>
					</li>
				))}
			</ul>
			<form class="flex flex-col gap-3" onSubmit={submit} aria-label="Export your data">
				<Field label="Your password" name="exportPassword" type="password" autocomplete="current-password" required />
				<ErrorText error={error} />
				<Button type="submit" disabled={busy}>
					Export my data
				</Button>
			</form>
		</section>
	);
}

function DeleteAccount() {
	const [error, setError] = useState<string | null>(null);
	const [busy, setBusy] = useState(false);
	const submit = async (e: Event) => {
		e.preventDefault();
		const form = e.currentTarget as HTMLFormElement;
		const data = new FormData(form);
		if (String(data.get("confirm")) !== "delete") return setError("Type delete to confirm.");
		setBusy(true);
		setError(null);
		try {
			await api.DELETE("/api/users/me", { body: { password: String(data.get("deletePassword")) } });
			forgetSession();
			navigate("/account-deleted", true);
		} catch (err) {
			setError((err as ApiError).message);
		} finally {
			setBusy(false);
		}
	};
	return (
		<form
			class="flex flex-col gap-3 rounded-2xl border border-red-400/30 bg-red-500/5 p-4"
			onSubmit={submit}
			aria-labelledby="delete-title"
		>
			<h2 id="delete-title" class="font-semibold">
				Delete your account
			</h2>
			<p class="text-sm text-white/70">
				Your profile, reels, comments, likes, follows, API keys and webhooks go at once, and every device is signed out. Your videos and
				pictures are erased within the hour. This cannot be undone.
			</p>
			<Field label="Your password" name="deletePassword" type="password" autocomplete="current-password" required />
			<Field label="Type delete to confirm" name="confirm" required autocomplete="off" />
			<ErrorText error={error} />
			<Button variant="danger" type="submit" disabled={busy}>
				Delete my account
			</Button>
		</form>
	);
}

export function SettingsPage() {
	const me = session.value;
	if (!me) return null;
	return (
		<section class="mx-auto flex max-w-2xl flex-col gap-6 p-4 pt-20" aria-labelledby="settings-title">
			<h1 id="settings-title" class="text-2xl font-bold">
				Settings
			</h1>
			<EmailSection user={me.user} />
			<NotificationSettings verified={me.user.emailVerified === true} />
			<PasswordForm />
			<ApiKeys />
			<ExportData />
			<DeleteAccount />
		</section>
	);
}
