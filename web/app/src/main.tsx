// The web app: the platform as a person uses it, and the reference client of
// every API it calls. Served by the same Worker as static assets.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Bell } from "./components/Bell";
import { Icon } from "./components/Icon";
import { Avatar, Empty, Loading } from "./components/ui";
import { resumeSession, session, signOut } from "./lib/api";
import { startRealtime } from "./lib/realtime";
import { match, navigate, useRoute } from "./lib/router";
import { useStore } from "./lib/store";
import { AdminPage } from "./pages/Admin";
import { Feed, ReelPage } from "./pages/Feed";
import { GoLivePage, LiveListPage, LivePage } from "./pages/Live";
import { ProfilePage } from "./pages/Profile";
import { SearchPage } from "./pages/Search";
import { SignIn } from "./pages/SignIn";
import { UploadPage } from "./pages/Upload";
import "./styles.css";

function Nav() {
	const me = useStore(session);
	return (
		<nav
			aria-label="Main"
			class="fixed inset-x-0 top-0 z-10 flex items-center gap-2 bg-gradient-to-b from-black/80 to-transparent px-4 py-2"
		>
			<a href="/" class="mr-auto text-lg font-black tracking-tight">
				reels<span class="text-yellow-400">edge</span>
			</a>
			<a href="/live" class="rounded-full px-2 py-1 text-sm font-semibold">
				Live
			</a>
			<a href="/search" class="rounded-full p-2" aria-label="Search">
				<Icon name="search" size={22} />
			</a>
			{me ? (
				<>
					<a href="/upload" class="rounded-full bg-yellow-400 px-3 py-1 text-sm font-semibold text-black">
						Upload
					</a>
					<Bell />
					{me.user.role === "admin" ? (
						<a href="/admin" class="text-sm">
							Admin
						</a>
					) : null}
					<a href={`/u/${me.user.id}`} aria-label="Your profile">
						<Avatar name={me.user.name} size={32} />
					</a>
					<button type="button" class="text-sm whitespace-nowrap text-white/70" onClick={() => void signOut().then(() => navigate("/"))}>
						Sign out
					</button>
				</>
			) : me === null ? (
				<a href="/signin" class="rounded-full bg-white/10 px-3 py-1 text-sm">
					Sign in
				</a>
			) : null}
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
	const me = useStore(session);
	const needsSignIn = (page: preact.JSX.Element) => (me === undefined ? <Loading /> : me ? page : <SignIn mode="login" />);
	if (path === "/") return <Feed />;
	if (path === "/signin") return <SignIn mode="login" />;
	if (path === "/signup") return <SignIn mode="register" />;
	if (path === "/upload") return needsSignIn(<UploadPage />);
	if (path === "/search") return <SearchPage />;
	if (path === "/admin") return needsSignIn(<AdminPage />);
	if (path === "/live") return <LiveListPage />;
	if (path === "/live/new") return needsSignIn(<GoLivePage />);
	const liveStream = match("/live/:id", path);
	if (liveStream?.id) return <LivePage id={liveStream.id} />;
	const reel = match("/reel/:id", path);
	if (reel?.id) return <ReelPage id={reel.id} />;
	const user = match("/u/:id", path);
	if (user?.id) return <ProfilePage id={user.id} />;
	return (
		<div class="pt-16">
			<Empty>This page does not exist. Go back to the feed.</Empty>
		</div>
	);
}

function App() {
	return (
		<>
			<Nav />
			<main id="main" class="h-full">
				<Routes />
			</main>
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

startRealtime();
void resumeSession();
const root = document.getElementById("app");
if (root) render(<App />, root);
