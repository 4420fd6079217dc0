// The web app: the platform as a person uses it, and the reference client of
// every API it calls. Served by the same Worker as static assets.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Bell } from "./components/Bell";
import { Icon } from "./components/Icon";
import { SignInSheet } from "./components/SignInSheet";
import { Avatar, Empty, Loading } from "./components/ui";
import { profilePath, resumeSession, session } from "./lib/api";
import { lazyPage } from "./lib/lazy-page";
import { imgSrc } from "./lib/media";
import { startRealtime } from "./lib/realtime";
import { match, navigate, useRoute } from "./lib/router";
import { Feed, ReelPage, readFeedEarly } from "./pages/Feed";
import { ProfilePage } from "./pages/Profile";
import { SearchPage } from "./pages/Search";
import { SignIn } from "./pages/SignIn";
import "./styles.css";

// Loaded on first use: most visits only watch.
const AdminPage = lazyPage(() => import("./pages/Admin").then((m) => m.AdminPage));
const UploadPage = lazyPage(() => import("./pages/Upload").then((m) => m.UploadPage));
const LiveListPage = lazyPage(() => import("./pages/Live").then((m) => m.LiveListPage));
const LivePage = lazyPage(() => import("./pages/Live").then((m) => m.LivePage));
const GoLivePage = lazyPage(() => import("./pages/Live").then((m) => m.GoLivePage));
const AnalyticsPage = lazyPage(() => import("./pages/Analytics").then((m) => m.AnalyticsPage));
const ReelAnalyticsPage = lazyPage(() => import("./pages/Analytics").then((m) => m.ReelAnalyticsPage));
const SettingsPage = lazyPage(() => import("./pages/Settings").then((m) => m.SettingsPage));
const VerifyEmailPage = lazyPage(() => import("./pages/Account").then((m) => m.VerifyEmailPage));
const ForgotPasswordPage = lazyPage(() => import("./pages/Account").then((m) => m.ForgotPasswordPage));
const ResetPasswordPage = lazyPage(() => import("./pages/Account").then((m) => m.ResetPasswordPage));
const AccountDeletedPage = lazyPage(() => import("./pages/Account").then((m) => m.AccountDeletedPage));
const UnsubscribePage = lazyPage(() => import("./pages/Account").then((m) => m.UnsubscribePage));

/** The top bar: the logo, and on a desk every destination; on a phone the tab bar below has them. */
function Nav() {
	const me = session.value;
	const avatar = imgSrc(me?.user.avatarUrl, 160);
	return (
		<nav
			aria-label="Main"
			class="fixed inset-x-0 top-0 z-10 flex items-center gap-2 bg-gradient-to-b from-black/80 to-transparent px-4 py-2"
		>
			<a href="/" class="mr-auto text-lg font-black tracking-tight">
				reels<span class="text-yellow-400">edge</span>
			</a>
			<a href="/live" class="hidden rounded-full px-2 py-1 text-sm font-semibold md:inline">
				Live
			</a>
			<a href="/search" class="hidden rounded-full p-2 md:inline" aria-label="Search">
				<Icon name="search" size={22} />
			</a>
			{me ? (
				<>
					<a href="/upload" class="hidden rounded-full bg-yellow-400 px-3 py-1 text-sm font-semibold text-black md:inline">
						Upload
					</a>
					<Bell />
					{me.user.role === "admin" ? (
						<a href="/admin" class="hidden text-sm md:inline">
							Admin
						</a>
					) : null}
					<a href={profilePath(me.user)} class="hidden md:inline">
						<Avatar name={me.user.name} url={avatar} size={32} />
						<span class="sr-only">Your profile</span>
					</a>
				</>
			) : me === null ? (
				<a href="/signin" class="rounded-full bg-white/10 px-3 py-1 text-sm">
					Sign in
				</a>
			) : null}
		</nav>
	);
}

/** A phone's bottom tab bar: Home, Search, +, Live, Profile, as the apps people know have it. */
function TabBar() {
	const me = session.value;
	const avatar = imgSrc(me?.user.avatarUrl, 160);
	const { path } = useRoute();
	const mine = me ? profilePath(me.user) : "/signin";
	// The visible label is the link's name (no aria-label to drift from it); "Your" is for screen readers.
	const tab = (href: string, label: preact.JSX.Element | string, icon: preact.JSX.Element, active: boolean) => (
		<a
			href={href}
			aria-current={active ? "page" : undefined}
			class={`flex flex-1 flex-col items-center gap-0.5 py-1.5 text-[11px] ${active ? "text-white" : "text-white/60"}`}
		>
			{icon}
			<span>{label}</span>
		</a>
	);
	return (
		<nav
			aria-label="Tabs"
			class="fixed inset-x-0 bottom-0 z-10 flex items-stretch border-t border-white/10 bg-black pb-[env(safe-area-inset-bottom)] md:hidden"
		>
			{tab("/", "Home", <Icon name="home" size={24} />, path === "/")}
			{tab("/search", "Search", <Icon name="search" size={24} />, path === "/search")}
			<a
				href={me ? "/upload" : "/signin"}
				aria-label="Upload"
				aria-current={path === "/upload" ? "page" : undefined}
				class="flex flex-1 items-center justify-center"
			>
				<span class="rounded-lg bg-yellow-400 px-3 py-1 text-black">
					<Icon name="plus" size={22} />
				</span>
			</a>
			{tab("/live", "Live", <Icon name="live" size={24} />, path.startsWith("/live"))}
			{tab(
				mine,
				me ? (
					<>
						<span class="sr-only">Your </span>Profile
					</>
				) : (
					"Sign in"
				),
				me && avatar ? <Avatar name={me.user.name} url={avatar} size={24} /> : <Icon name="user" size={24} />,
				path === mine,
			)}
		</nav>
	);
}

function Offline() {
	const [online, setOnline] = useState(navigator.onLine);
	useEffect(() => {
		const on = () => setOnline(true);
		const off = () => setOnline(false);
		window.addEventListener("online", on);
		window.addEventListener("offline", off);
		return () => {
			window.removeEventListener("online", on);
			window.removeEventListener("offline", off);
		};
	}, []);
	return online ? null : (
		<p role="alert" class="fixed inset-x-0 bottom-0 z-20 bg-red-700 p-2 text-center text-sm">
			You are offline. What you see may be out of date.
		</p>
	);
}

function Routes() {
	const { path } = useRoute();
	const me = session.value;
	const needsSignIn = (page: preact.JSX.Element) => (me === undefined ? <Loading /> : me ? page : <SignIn mode="login" />);
	if (path === "/") return <Feed kind="for-you" />;
	if (path === "/following") return <Feed kind="following" />;
	if (path === "/signin") return <SignIn mode="login" />;
	if (path === "/signup") return <SignIn mode="register" />;
	if (path === "/upload") return needsSignIn(<UploadPage />);
	if (path === "/search") return <SearchPage />;
	if (path === "/admin") return needsSignIn(<AdminPage />);
	if (path === "/settings") return needsSignIn(<SettingsPage />);
	if (path === "/analytics") return needsSignIn(<AnalyticsPage />);
	const reelAnalytics = match("/analytics/:id", path);
	if (reelAnalytics?.id) return needsSignIn(<ReelAnalyticsPage id={reelAnalytics.id} />);
	if (path === "/verify-email") return <VerifyEmailPage />;
	if (path === "/forgot-password") return <ForgotPasswordPage />;
	if (path === "/reset-password") return <ResetPasswordPage />;
	if (path === "/account-deleted") return <AccountDeletedPage />;
	if (path === "/unsubscribe") return <UnsubscribePage />;
	if (path === "/live") return <LiveListPage />;
	if (path === "/live/new") return needsSignIn(<GoLivePage />);
	const liveStream = match("/live/:id", path);
	if (liveStream?.id) return <LivePage id={liveStream.id} />;
	const reel = match("/reel/:id", path);
	if (reel?.id) return <ReelPage id={reel.id} />;
	const user = match("/u/:id", path);
	if (user?.id) return <ProfilePage id={user.id} />;
	// Profiles by @handle: /@ada (or /%40ada, as some clients encode the @).
	const profile = /^\/(?:@|%40)([^/]+)$/i.exec(path);
	if (profile?.[1]) return <ProfilePage handle={decodeURIComponent(profile[1])} />;
	return (
		<div class="pt-16">
			<Empty>This page does not exist. Go back to the feed.</Empty>
		</div>
	);
}

function App() {
	const { path } = useRoute();
	// The feed and a reel fill the screen above the tab bar exactly (they snap); other pages grow and
	// scroll, with room at the end so the tab bar never covers their last button.
	const screen = path === "/" || path === "/following" || path.startsWith("/reel/");
	return (
		<>
			<Nav />
			<main
				id="main"
				class={`${screen ? "h-full pb-[calc(3.25rem+env(safe-area-inset-bottom))]" : "min-h-full pb-[calc(5rem+env(safe-area-inset-bottom))]"} md:pb-0`}
			>
				<Routes />
			</main>
			<TabBar />
			<SignInSheet />
			<Offline />
		</>
	);
}

// In-app links navigate without a reload.
document.addEventListener("click", (e) => {
	const a = (e.target as HTMLElement).closest("a");
	const href = a?.getAttribute("href");
	if (!a || !href?.startsWith("/") || href.startsWith("/cdn/") || href.startsWith("/docs") || e.metaKey || e.ctrlKey || a.target) return;
	e.preventDefault();
	navigate(href);
});

readFeedEarly();
startRealtime();
void resumeSession();
const root = document.getElementById("app");
if (root) render(<App />, root);
