// A profile: the creator's reels as a grid of thumbnails (through /img with a
// srcset), follower and following counts, a follow button (a request, for a
// private account), block, and, on your own profile, editing your name, bio,
// handle, avatar and whether the account is private, and signing out. Reached at /@handle (and
// the older /u/:id).

import { useEffect, useRef, useState } from "preact/hooks";
import { ReelGrid } from "../components/ReelGrid";
import { Avatar, Button, Empty, ErrorText, Field, Loading } from "../components/ui";
import { answer, api, multipart, profilePath, refreshMe, session, signOut } from "../lib/api";
import { imgSrc } from "../lib/media";
import type { ApiError } from "../lib/problems";
import { navigate } from "../lib/router";
import { askToSignIn, takePendingAction } from "../lib/sign-in-first";
import type { PublicProfile as Profile, Reel } from "../lib/types";

export function ProfilePage(which: { id: string } | { handle: string }) {
	const me = session.value;
	const [profile, setProfile] = useState<Profile | null>(null);
	const id = "id" in which ? which.id : profile?.id;
	const [reels, setReels] = useState<Reel[] | null>(null);
	const [error, setError] = useState<string | null>(null);
	const [editing, setEditing] = useState(false);
	const mine = me?.user.id === id;
	// A follow made while the profile was loading must not be undone by the older answer.
	const changes = useRef(0);

	const key = "id" in which ? which.id : which.handle;
	/** Reads the profile and its reels; an answer for a page left (`signal` aborted) never lands. */
	const load = (signal?: AbortSignal) => {
		setError(null);
		const at = changes.current;
		answer(
			"id" in which
				? api.GET("/api/users/{id}", { params: { path: { id: which.id } }, signal })
				: api.GET("/api/users/by-handle/{handle}", { params: { path: { handle: which.handle } }, signal }),
		)
			.then((p) => {
				if (signal?.aborted) return;
				if (changes.current === at) setProfile(p);
				return answer(api.GET("/api/users/{id}/reels", { params: { path: { id: p.id }, query: { limit: 50 } }, signal })).then((page) => {
					if (!signal?.aborted) setReels(page.items);
				});
			})
			.catch((e: ApiError) => {
				if (!signal?.aborted) setError(e.message);
			});
	};
	useEffect(() => {
		const leaving = new AbortController();
		load(leaving.signal);
		return () => leaving.abort();
	}, [key, me?.user.id]);

	const toggleFollow = async () => {
		if (!me) return askToSignIn(`Sign in to follow ${profile?.name ?? "them"}.`, { kind: "follow", userId: profile?.id ?? "" });
		if (!profile) return;
		// Following or asked already: the same button takes it back.
		const undo = !!(profile.following || profile.requested);
		changes.current++;
		setError(null);
		try {
			const follow = { params: { path: { id: profile.id } } };
			const state = await answer(undo ? api.DELETE("/api/users/{id}/follow", follow) : api.POST("/api/users/{id}/follow", follow));
			setProfile({ ...profile, ...state });
		} catch (e) {
			setError((e as ApiError).message);
		}
	};

	// Back from the sign-in sheet: follow as asked (once the profile and who is signed in are known).
	useEffect(() => {
		if (!me || !profile || profile.following || profile.requested) return;
		if (takePendingAction((a) => a.kind === "follow" && a.userId === profile.id)) void toggleFollow();
	}, [me?.user.id, profile?.id]);

	const toggleBlock = async () => {
		if (!profile) return;
		const next = !profile.blocking;
		if (next && !confirm(`Block ${profile.name}? They will no longer see your reels or be able to follow you.`)) return;
		changes.current++;
		try {
			const block = { params: { path: { id: profile.id } } };
			await (next ? api.POST("/api/users/{id}/block", block) : api.DELETE("/api/users/{id}/block", block));
			load();
		} catch (e) {
			setError((e as ApiError).message);
		}
	};

	if (error && !profile)
		return (
			<div class="pt-16">
				<ErrorText error={error} />
			</div>
		);
	if (!profile) return <Loading label="Loading the profile" />;
	return (
		<section
			class="mx-auto flex max-w-3xl flex-col gap-6 p-4 pt-16 sm:p-6 sm:pt-20"
			aria-labelledby="profile-name"
			data-user-id={profile.id}
		>
			<header class="flex flex-wrap items-center gap-4">
				<Avatar name={profile.name} url={imgSrc(profile.avatarUrl, 160)} size={80} />
				<div class="flex min-w-0 flex-1 basis-48 flex-col gap-1">
					<h1 id="profile-name" class="line-clamp-2 break-words text-2xl font-bold">
						{profile.name}
					</h1>
					<p class="text-sm text-white/70">@{profile.handle}</p>
					{profile.private ? <p class="text-xs font-semibold text-yellow-300">Private account</p> : null}
					<p class="text-white/80">{profile.bio}</p>
					<p class="text-sm text-white/70">
						<strong data-followers>{profile.followerCount}</strong> followers · <strong>{profile.followingCount}</strong> following
					</p>
				</div>
				{mine ? (
					<div class="flex flex-wrap gap-2">
						<Button variant="ghost" onClick={() => setEditing(!editing)} aria-expanded={editing}>
							Edit profile
						</Button>
						<a
							href="/analytics"
							class="inline-flex items-center rounded-full bg-white/10 px-4 py-2 text-sm font-semibold hover:bg-white/20"
						>
							Analytics
						</a>
						<a href="/settings" class="inline-flex items-center rounded-full bg-white/10 px-4 py-2 text-sm font-semibold hover:bg-white/20">
							Settings
						</a>
						<Button variant="ghost" onClick={() => void signOut().then(() => navigate("/"))}>
							Sign out
						</Button>
					</div>
				) : (
					<div class="flex flex-col items-end gap-2">
						{profile.blocking ? null : (
							// Not yet known whether anyone is signed in (the silent refresh after a reload): wait, do not send to sign-in.
							<Button
								variant={profile.following || profile.requested ? "ghost" : "primary"}
								onClick={toggleFollow}
								aria-pressed={!!(profile.following || profile.requested)}
								disabled={me === undefined}
							>
								{profile.following ? "Following" : profile.requested ? "Requested" : "Follow"}
							</Button>
						)}
						{me ? (
							<Button variant="ghost" onClick={toggleBlock}>
								{profile.blocking ? "Unblock" : "Block"}
							</Button>
						) : null}
					</div>
				)}
			</header>
			<ErrorText error={error} />
			{mine && editing ? (
				<EditProfile
					profile={profile}
					nextHandleChangeAt={me?.user.nextHandleChangeAt ?? null}
					onSaved={(handle) => {
						setEditing(false);
						void refreshMe().catch(() => undefined);
						if ("handle" in which && handle !== which.handle) navigate(profilePath({ handle }), true);
						else load();
					}}
				/>
			) : null}
			{reels === null ? <Loading label="Loading reels" /> : null}
			{reels?.length === 0 ? <Empty>No reels yet.</Empty> : null}
			{reels?.length ? <ReelGrid reels={reels} label="Reels" /> : null}
		</section>
	);
}

function EditProfile({
	profile,
	nextHandleChangeAt,
	onSaved,
}: {
	profile: Profile;
	nextHandleChangeAt: string | null;
	onSaved: (handle: string) => void;
}) {
	const [error, setError] = useState<string | null>(null);
	const [busy, setBusy] = useState(false);
	// An uncontrolled form (default values, read with FormData on submit): a re-render while someone
	// types (a token refresh updates the session) must not put the saved values back.
	const save = async (e: Event) => {
		e.preventDefault();
		const form = new FormData(e.target as HTMLFormElement);
		setBusy(true);
		setError(null);
		try {
			const avatar = form.get("avatar") as File | null;
			let avatarAssetId: string | undefined;
			if (avatar && avatar.size > 0) {
				avatarAssetId = (await answer(api.POST("/cdn/upload", { body: { file: avatar }, bodySerializer: multipart }))).id;
			}
			const handle = String(form.get("handle") ?? profile.handle)
				.trim()
				.replace(/^@/, "")
				.toLowerCase();
			await api.PATCH("/api/users/me", {
				body: {
					name: String(form.get("name")),
					...(handle !== profile.handle ? { handle } : {}),
					bio: String(form.get("bio")),
					private: form.get("private") === "on",
					...(avatarAssetId ? { avatarAssetId } : {}),
				},
			});
			onSaved(handle);
		} catch (err) {
			setError((err as ApiError).message);
		} finally {
			setBusy(false);
		}
	};
	return (
		<form class="flex flex-col gap-3 rounded-2xl bg-white/5 p-4" onSubmit={save} aria-label="Edit profile">
			<Field label="Name" name="name" defaultValue={profile.name} required maxLength={80} />
			<Field
				label="Handle"
				name="handle"
				defaultValue={profile.handle}
				required
				minLength={3}
				maxLength={24}
				pattern="@?[A-Za-z0-9_.]{3,24}"
				disabled={!!nextHandleChangeAt}
				hint={
					nextHandleChangeAt
						? `You can change it again on ${new Date(nextHandleChangeAt).toLocaleDateString()}.`
						: "Letters, digits, _ and . Your profile is at /@handle. You can change it once every 14 days."
				}
			/>
			<label class="flex flex-col gap-1">
				<span class="text-sm text-white/80">Bio</span>
				<textarea
					name="bio"
					maxLength={500}
					rows={2}
					defaultValue={profile.bio}
					class="rounded-lg border border-white/20 bg-white/5 px-3 py-2"
				/>
			</label>
			<label class="flex flex-col gap-1">
				<span class="text-sm text-white/80">Avatar</span>
				<input type="file" name="avatar" accept="image/jpeg,image/png,image/webp,image/gif" />
			</label>
			<label class="flex items-start gap-2">
				<input type="checkbox" name="private" defaultChecked={profile.private} class="mt-1" />
				<span class="text-sm">
					Private account
					<span class="block text-white/70">You approve each follower; followers-only reels need it.</span>
				</span>
			</label>
			<ErrorText error={error} />
			<Button type="submit" disabled={busy}>
				Save
			</Button>
		</form>
	);
}
