// The pages a mailed link opens, and asking for one: verify an address (or move the account to a
// new one), forgot password, reset password. Each link carries its token after `#token=`: a
// fragment never reaches a server or a Referer header, and the page removes it from the address
// bar once read, so it does not linger in history.
import { useEffect, useState } from "preact/hooks";
import { Button, ErrorText, Field } from "../components/ui";
import { anonymousApi, answer, forgetSession, refreshMe, session } from "../lib/api";
import type { paths } from "../lib/api-schema";
import type { ApiError } from "../lib/problems";
import { navigate } from "../lib/router";

/** The link's token, taken out of the address bar (read once per page load). */
function useLinkToken(): string | null {
	const [token] = useState(() => {
		const t = new URLSearchParams(location.hash.slice(1)).get("token");
		if (t) history.replaceState(history.state, "", location.pathname);
		return t;
	});
	return token;
}

function Page({ title, children }: { title: string; children: preact.ComponentChildren }) {
	return (
		<section class="mx-auto flex max-w-sm flex-col gap-5 p-6 pt-24" aria-labelledby="account-title">
			<h1 id="account-title" class="text-2xl font-bold">
				{title}
			</h1>
			{children}
		</section>
	);
}

const NO_TOKEN = "This page needs the link from your mail; open it from there (the whole link, with what follows #).";

/**
 * Asks before it confirms: mail scanners open links, and a link that confirmed on opening would let
 * a scanner confirm an address for whoever registered it.
 */
export function VerifyEmailPage() {
	const token = useLinkToken();
	const me = session.value;
	const [state, setState] = useState<{ email: string } | { error: string } | "asking" | "busy">(token ? "asking" : { error: NO_TOKEN });
	const confirm = () => {
		if (!token) return;
		setState("busy");
		answer(anonymousApi.POST("/api/auth/verify", { body: { token } }))
			.then((out) => setState({ email: out.email }))
			.catch((err: ApiError) => setState({ error: err.message }));
	};
	// Signed in here: the header and Settings show the address as verified at once.
	const verified = typeof state === "object" && "email" in state;
	useEffect(() => {
		if (verified && me) void refreshMe().catch(() => undefined);
	}, [verified, me?.user.id]);
	return (
		<Page title="Your email">
			{state === "asking" || state === "busy" ? (
				<>
					<p>Confirm that this address is yours and that you asked for it to be used on reels-edge.</p>
					<Button onClick={confirm} disabled={state === "busy"}>
						Confirm my email
					</Button>
				</>
			) : null}
			{typeof state === "object" && "email" in state ? (
				<p role="status">
					<strong>{state.email}</strong> is verified. You can post as much as you like and go live.
				</p>
			) : null}
			{typeof state === "object" && "error" in state ? <ErrorText error={state.error} /> : null}
			{typeof state === "object" ? (
				<a class="text-yellow-300 underline" href={me ? "/settings" : "/signin"}>
					{me ? "Back to Settings" : "Sign in"}
				</a>
			) : null}
		</Page>
	);
}

export function ForgotPasswordPage() {
	const [sent, setSent] = useState<string | null>(null);
	const [error, setError] = useState<string | null>(null);
	const [busy, setBusy] = useState(false);
	const submit = async (e: Event) => {
		e.preventDefault();
		const email = String(new FormData(e.currentTarget as HTMLFormElement).get("email"));
		setBusy(true);
		setError(null);
		try {
			const out = await answer(anonymousApi.POST("/api/auth/password-reset", { body: { email } }));
			setSent(out.detail);
		} catch (err) {
			setError((err as ApiError).message);
		} finally {
			setBusy(false);
		}
	};
	return (
		<Page title="Forgot your password?">
			{sent ? (
				<p role="status">{sent}</p>
			) : (
				<form class="flex flex-col gap-4" onSubmit={submit}>
					<p class="text-sm text-white/70">Tell us your account's email and we will mail you a link to choose a new password.</p>
					<Field label="Email" name="email" type="email" autocomplete="email" required />
					<ErrorText error={error} />
					<Button type="submit" disabled={busy}>
						Mail me a link
					</Button>
				</form>
			)}
			<a class="text-sm text-yellow-300 underline" href="/signin">
				Back to sign in
			</a>
		</Page>
	);
}

export function ResetPasswordPage() {
	const token = useLinkToken();
	const [error, setError] = useState<string | null>(token ? null : NO_TOKEN);
	const [busy, setBusy] = useState(false);
	const [done, setDone] = useState(false);
	const submit = async (e: Event) => {
		e.preventDefault();
		const data = new FormData(e.currentTarget as HTMLFormElement);
		const password = String(data.get("password"));
		if (!token) return setError(NO_TOKEN);
		if (password !== String(data.get("again"))) return setError("The two passwords are not the same.");
		setBusy(true);
		setError(null);
		try {
			await anonymousApi.POST("/api/auth/password-reset/confirm", { body: { token, password } });
			// Every session ended, this browser's too.
			if (session.value) forgetSession();
			setDone(true);
		} catch (err) {
			setError((err as ApiError).message);
		} finally {
			setBusy(false);
		}
	};
	if (done) {
		return (
			<Page title="Password set">
				<p role="status">Your new password is set, and every device was signed out.</p>
				<Button onClick={() => navigate("/signin")}>Sign in</Button>
			</Page>
		);
	}
	return (
		<Page title="Choose a new password">
			{token ? (
				<form class="flex flex-col gap-4" onSubmit={submit}>
					<Field
						label="New password"
						name="password"
						type="password"
						autocomplete="new-password"
						required
						minLength={10}
						maxLength={128}
						hint="10 or more characters, with a letter and a digit or symbol. Every device will be signed out."
					/>
					<Field label="The same again" name="again" type="password" autocomplete="new-password" required minLength={10} maxLength={128} />
					<ErrorText error={error} />
					<Button type="submit" disabled={busy}>
						Set password
					</Button>
					<a class="text-sm text-yellow-300 underline" href="/forgot-password">
						Link expired? Ask for a new one
					</a>
				</form>
			) : (
				<>
					<ErrorText error={error} />
					<a class="text-yellow-300 underline" href="/forgot-password">
						Ask for a new link
					</a>
				</>
			)}
		</Page>
	);
}

/** Where deleting an account lands: said plainly, signed out. */
export function AccountDeletedPage() {
	return (
		<Page title="Your account is deleted">
			<p role="status">
				Everything of it is gone from the platform, and every device is signed out. Your videos and pictures are erased within the hour.
			</p>
			<a class="text-yellow-300 underline" href="/">
				Back to reels
			</a>
		</Page>
	);
}

type UnsubscribeKind = paths["/api/notifications/unsubscribe"]["post"]["parameters"]["query"]["t"];
/** Every kind a link may name: one the server adds fails the type check here until it is listed. */
const UNSUBSCRIBE_KINDS: Record<UnsubscribeKind, true> = {
	all: true,
	REEL_LIKED: true,
	NEW_COMMENT: true,
	NEW_FOLLOWER: true,
	COMMENT_REPLY: true,
	MENTIONED: true,
	FOLLOW_REQUESTED: true,
	NEW_REEL: true,
	LIVE_STARTED: true,
};
const isUnsubscribeKind = (t: string | null): t is UnsubscribeKind => t !== null && Object.hasOwn(UNSUBSCRIBE_KINDS, t);

/** A notification mail's way out (its text link; the header's link is one click, with no page). */
export function UnsubscribePage() {
	const [query] = useState(() => new URLSearchParams(location.search));
	const [state, setState] = useState<"asking" | "done" | { error: string }>("asking");
	const kind = query.get("t") === "all" ? "notification mail" : "this kind of mail";
	const confirm = async () => {
		const t = query.get("t");
		if (!isUnsubscribeKind(t)) return setState({ error: "This link is not whole: open it from the mail again." });
		try {
			await anonymousApi.POST("/api/notifications/unsubscribe", {
				params: { query: { u: query.get("u") ?? "", t, s: query.get("s") ?? "" } },
			});
			setState("done");
		} catch (err) {
			setState({ error: (err as ApiError).message });
		}
	};
	return (
		<Page title="Unsubscribe">
			{state === "done" ? (
				<p role="status">Done: no more {kind}. You can turn it back on in Settings, Notifications.</p>
			) : (
				<>
					<p>Stop {kind} from reels-edge? It stays in the app.</p>
					{typeof state === "object" ? <ErrorText error={state.error} /> : null}
					<Button onClick={() => void confirm()}>Unsubscribe</Button>
				</>
			)}
		</Page>
	);
}
