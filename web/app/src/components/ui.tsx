// The few components the app needs, written here (no downloaded kit): native
// elements with their accessible roles, labels and focus, styled with Tailwind.
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useRef } from "preact/hooks";

type ButtonProps = JSX.HTMLAttributes<HTMLButtonElement> & {
	variant?: "primary" | "ghost" | "danger";
	disabled?: boolean;
	type?: "button" | "submit";
};

export function Button({ variant = "primary", class: cls, type = "button", ...props }: ButtonProps) {
	const look = {
		primary: "bg-yellow-400 text-black hover:bg-yellow-300",
		ghost: "bg-white/10 text-white hover:bg-white/20",
		danger: "bg-red-600 text-white hover:bg-red-500",
	}[variant];
	return (
		<button
			type={type}
			class={`inline-flex items-center justify-center gap-2 rounded-full px-4 py-2 text-sm font-semibold disabled:opacity-50 ${look} ${cls ?? ""}`}
			{...props}
		/>
	);
}

export function Field({
	label,
	hint,
	...input
}: { label: string; hint?: string } & JSX.HTMLAttributes<HTMLInputElement> & {
		name: string;
		type?: string;
		required?: boolean;
		autocomplete?: string;
		minLength?: number;
		maxLength?: number;
		pattern?: string;
		disabled?: boolean;
		value?: string;
		/** For forms read on submit: the starting value, which a re-render does not put back. */
		defaultValue?: string;
	}) {
	const id = `field-${input.name}`;
	return (
		<div class="flex flex-col gap-1">
			<label for={id} class="text-sm text-white/80">
				{label}
			</label>
			<input
				id={id}
				class="rounded-lg border border-white/20 bg-white/5 px-3 py-2 text-white placeholder:text-white/40 disabled:opacity-60"
				aria-describedby={hint ? `${id}-hint` : undefined}
				{...input}
			/>
			{hint ? (
				<p id={`${id}-hint`} class="text-xs text-white/60">
					{hint}
				</p>
			) : null}
		</div>
	);
}

/** A problem, said as a sentence, announced to screen readers. */
export function ErrorText({ error }: { error: string | null | undefined }) {
	if (!error) return null;
	return (
		<p role="alert" class="rounded-lg bg-red-900/60 px-3 py-2 text-sm text-red-100">
			{error}
		</p>
	);
}

export function Loading({ label = "Loading" }: { label?: string }) {
	return (
		<div role="status" class="flex items-center justify-center gap-2 p-8 text-white/70">
			<span class="h-4 w-4 animate-spin rounded-full border-2 border-white/30 border-t-white" aria-hidden="true" />
			{label}…
		</div>
	);
}

export function Empty({ children }: { children: ComponentChildren }) {
	return <p class="p-8 text-center text-white/60">{children}</p>;
}

/**
 * A modal on the native <dialog>: focus moves in, Escape closes, the page behind is inert. On a
 * phone it is a sheet from the bottom edge (where a thumb is), as the big apps have it; on a desk a
 * centred box.
 */
export function Dialog({
	open,
	title,
	onClose,
	children,
}: {
	open: boolean;
	title: string;
	onClose: () => void;
	children: ComponentChildren;
}) {
	const ref = useRef<HTMLDialogElement>(null);
	useEffect(() => {
		const d = ref.current;
		if (!d) return;
		if (open && !d.open) d.showModal();
		if (!open && d.open) d.close();
	}, [open]);
	return (
		<dialog
			ref={ref}
			aria-label={title}
			onClose={onClose}
			class="mx-0 mt-auto mb-0 w-full max-w-full rounded-t-2xl bg-neutral-900 p-0 pb-[env(safe-area-inset-bottom)] text-white backdrop:bg-black/70 md:m-auto md:w-[min(32rem,92vw)] md:rounded-2xl md:pb-0"
		>
			<div class="flex items-center justify-between border-b border-white/10 px-4 py-3">
				<h2 class="font-semibold">{title}</h2>
				<button type="button" class="rounded-full px-2 text-xl text-white/70 hover:text-white" aria-label="Close" onClick={onClose}>
					×
				</button>
			</div>
			<div class="max-h-[70vh] overflow-y-auto p-4">{open ? children : null}</div>
		</dialog>
	);
}

export function Avatar({ name, url, size = 40 }: { name: string; url?: string | null; size?: number }) {
	const initial = name.trim()[0]?.toUpperCase() ?? "?";
	return url ? (
		<img src={url} alt="" width={size} height={size} class="rounded-full object-cover" style={{ width: size, height: size }} />
	) : (
		<span
			aria-hidden="true"
			class="inline-flex items-center justify-center rounded-full bg-yellow-400 font-bold text-black"
			style={{ width: size, height: size }}
		>
			{initial}
		</span>
	);
}
