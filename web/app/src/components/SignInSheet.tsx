// The sheet a signed-out person sees on like, comment or follow: why to sign in, and a way back.
import { rememberForAfterSignIn, signInPrompt } from "../lib/sign-in-first";
import { Dialog } from "./ui";

export function SignInSheet() {
	const prompt = signInPrompt.value;
	const go = () => {
		if (prompt) rememberForAfterSignIn(prompt.action);
		signInPrompt.value = null;
	};
	return (
		<Dialog
			open={prompt !== null}
			title="Sign in to continue"
			onClose={() => {
				signInPrompt.value = null;
			}}
		>
			<p class="mb-4 text-white/80">{prompt?.why}</p>
			<div class="flex flex-col gap-2">
				<a href="/signup" onClick={go} class="rounded-full bg-yellow-400 px-4 py-2 text-center font-semibold text-black">
					Create an account
				</a>
				<a href="/signin" onClick={go} class="rounded-full bg-white/10 px-4 py-2 text-center font-semibold">
					Sign in
				</a>
			</div>
			<p class="mt-3 text-xs text-white/60">You will come back here, and it will be done.</p>
		</Dialog>
	);
}
