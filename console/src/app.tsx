import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { createApi } from "./api";
import {
  beginSignIn,
  completeSignIn,
  currentSession,
  freshIdToken,
  type Session,
  safeReturnPath,
  signOut,
} from "./auth";
import { errorText, Link } from "./components";
import type { ConsoleConfig } from "./config";
import { AppContext } from "./hooks";
import { AdminPage } from "./pages/admin";
import { ApprovalsPage } from "./pages/approvals";
import { MyAccessPage } from "./pages/my-access";
import { RequestAccessPage } from "./pages/request-access";
import { RequestPage } from "./pages/request-page";
import { matchRoute, navigate, type Route, useLocation } from "./router";

const NAV: readonly { href: string; label: string; page: Route["page"] }[] = [
  { href: "/", label: "Request access", page: "request-access" },
  { href: "/access", label: "My access", page: "my-access" },
  { href: "/approvals", label: "Approvals", page: "approvals" },
  { href: "/admin", label: "Admin", page: "admin" },
];

const TITLES: Partial<Record<Route["page"], string>> = {
  "request-access": "Request access",
  "my-access": "My access",
  approvals: "Approvals",
  admin: "Admin",
  request: "Request",
};

/** The console: sign-in gate, then the page for the current path. */
export function App({ config }: { config: ConsoleConfig }) {
  const location = useLocation();
  const route = matchRoute(location.pathname);
  const [session, setSession] = useState<Session | undefined>(() => currentSession());
  const onSignedIn = useCallback(() => setSession(currentSession()), []);
  const onSignedOut = useCallback(() => setSession(undefined), []);

  if (route.page === "callback") {
    return <Callback config={config} onSignedIn={onSignedIn} />;
  }
  if (session === undefined) return <SignIn config={config} route={route} />;
  return (
    <Shell
      config={config}
      session={session}
      route={route}
      navigations={location.navigations}
      onSignedOut={onSignedOut}
    />
  );
}

function Shell(props: {
  config: ConsoleConfig;
  session: Session;
  route: Route;
  navigations: number;
  onSignedOut: () => void;
}) {
  const { config, session, route, onSignedOut } = props;
  const api = useMemo(
    () =>
      createApi(
        config,
        () => freshIdToken(config),
        () => {
          signOut();
          onSignedOut();
        },
      ),
    [config, onSignedOut],
  );
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    document.title = `${TITLES[route.page] ?? "Not found"} · jit-access`;
    // After an in-app navigation, move focus to the new page's heading (as a page load would).
    if (props.navigations > 0) (main.current?.querySelector("h1") as HTMLElement | null)?.focus();
  }, [props.navigations, route.page]);

  return (
    <AppContext.Provider value={{ config, api, session }}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="top-inner">
          <Link href="/" class="brand">
            jit-access
          </Link>
          <nav aria-label="Main">
            <ul>
              {NAV.map((item) => (
                <li key={item.href}>
                  <a
                    href={item.href}
                    aria-current={route.page === item.page ? "page" : undefined}
                    onClick={(e) => {
                      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                      e.preventDefault();
                      navigate(item.href);
                    }}
                  >
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <div class="user">
            <span class="user-name" title={session.sub}>
              {session.name}
            </span>
            <button
              type="button"
              class="secondary small"
              onClick={() => {
                signOut();
                onSignedOut();
              }}
            >
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" ref={main}>
        <Page route={route} />
      </main>
    </AppContext.Provider>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "request-access":
      return <RequestAccessPage />;
    case "my-access":
      return <MyAccessPage />;
    case "approvals":
      return <ApprovalsPage />;
    case "admin":
      return <AdminPage />;
    case "request":
      return <RequestPage key={route.id} id={route.id} />;
    default:
      return (
        <>
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            There is no page at this address. <Link href="/">Request access</Link>
          </p>
        </>
      );
  }
}

function SignIn({ config, route }: { config: ConsoleConfig; route: Route }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    document.title = "Sign in · jit-access";
  }, []);
  async function start() {
    setBusy(true);
    setError(undefined);
    try {
      await beginSignIn(config, `${location.pathname}${location.search}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <main id="main" class="signin">
      <h1>Sign in to jit-access</h1>
      <p>
        {route.page === "request"
          ? `Sign in to open request ${route.id}. You will come back to it.`
          : "Request temporary access, approve requests and manage grants."}
      </p>
      <button type="button" onClick={start} disabled={busy}>
        {busy ? "Opening the sign-in page…" : "Sign in"}
      </button>
      {error !== undefined ? (
        <p class="notice notice-error" role="alert">
          {errorText(error)}
        </p>
      ) : null}
    </main>
  );
}

function Callback({ config, onSignedIn }: { config: ConsoleConfig; onSignedIn: () => void }) {
  const [error, setError] = useState<unknown>();
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const url = new URL(location.href);
    // The code and state leave the address bar and history at once, whatever happens next.
    history.replaceState(null, "", "/callback");
    completeSignIn(config, url).then(
      (returnTo) => {
        onSignedIn();
        navigate(safeReturnPath(returnTo), { replace: true });
      },
      (err: unknown) => setError(err),
    );
  }, [config, onSignedIn]);
  return (
    <main id="main" class="signin">
      <h1>{error === undefined ? "Signing you in…" : "Sign-in failed"}</h1>
      {error !== undefined ? (
        <>
          <p class="notice notice-error" role="alert">
            {errorText(error)}
          </p>
          <p>
            <a href="/">Start again</a>
          </p>
        </>
      ) : (
        <p role="status">Checking the answer of the identity provider.</p>
      )}
    </main>
  );
}
