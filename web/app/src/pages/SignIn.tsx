import { useState } from "preact/hooks";
import { Button, ErrorText, Field } from "../components/ui";
import { signIn } from "../lib/api";
import type { ApiError } from "../lib/problems";
import { navigate } from "../lib/router";
import { pathAfterSignIn } from "../lib/sign-in-first";

export function SignIn({ mode }: { mode: "login" | "register" }) {
	const [error, setError] = useState<string | null>(null);
	const [busy, setBusy] = useState(false);
	const submit = async (e: Event) => {
		e.preventDefault();
		const form = new FormData(e.target as HTMLFormElement);
		setBusy(true);
		setError(null);
		try {
			await signIn(mode, {
				email: String(form.get("email")),
				password: String(form.get("password")),
				...(mode === "register" ? { name: String(form.get("name")) } : {}),
			});
			// Back where the sign-in sheet was opened (a reel, a profile), or the feed.
			navigate(pathAfterSignIn(), true);
		} catch (err) {
			setError((err as ApiError).message);
		} finally {
			setBusy(false);
		}
	};
	const register = mode === "register";
	return (
		<section class="mx-auto flex max-w-sm flex-col gap-6 p-6 pt-24" aria-labelledby="signin-title">
			<h1 id="signin-title" class="text-2xl font-bold">
				{register ? "Create your account" : "Sign in"}
			</h1>
			<form class="flex flex-col gap-4" onSubmit={submit}>
				{register ? <Field label="Name" name="name" autocomplete="nickname" required maxLength={80} /> : null}
				<Field label="Email" name="email" type="email" autocomplete="email" required />
				<Field
					label="Password"
					name="password"
					type="password"
					autocomplete={register ? "new-password" : "current-password"}
					required
					minLength={register ? 10 : 1}
				/>
				{register ? <p class="text-xs text-white/60">At least 10 characters, with a letter and a digit or symbol.</p> : null}
				{register ? null : (
					<a class="-mt-2 self-end text-sm text-white/70 underline" href="/forgot-password">
						Forgot your password?
					</a>
				)}
				<ErrorText error={error} />
				<Button type="submit" disabled={busy}>
					{register ? "Sign up" : "Sign in"}
				</Button>
			</form>
			<p class="text-sm text-white/70">
				{register ? "Have an account? " : "New here? "}
				<a class="text-yellow-300 underline" href={register ? "/signin" : "/signup"}>
					{register ? "Sign in" : "Create an account"}
				</a>
			</p>
		</section>
	);
}
