import { useEffect, useState } from "preact/hooks";

/** The console's pages, by path. */
export type Route =
  | { page: "request-access" }
  | { page: "my-access" }
  | { page: "approvals" }
  | { page: "admin" }
  | { page: "request"; id: string }
  | { page: "callback" }
  | { page: "not-found" };

/** Maps a path to its page; `/requests/{id}` is the deep link notifications use. */
export function matchRoute(pathname: string): Route {
  if (pathname === "/" || pathname === "") return { page: "request-access" };
  if (pathname === "/access") return { page: "my-access" };
  if (pathname === "/approvals") return { page: "approvals" };
  if (pathname === "/admin") return { page: "admin" };
  if (pathname === "/callback") return { page: "callback" };
  const request = /^\/requests\/([^/]+)\/?$/.exec(pathname);
  if (request?.[1] !== undefined) {
    try {
      return { page: "request", id: decodeURIComponent(request[1]) };
    } catch {
      return { page: "not-found" };
    }
  }
  return { page: "not-found" };
}

const NAVIGATED = "jit-console:navigated";

/** Goes to `path` on this origin without reloading. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** The current location (path and query), updated on navigation and on back/forward. */
export function useLocation(): { pathname: string; search: string; navigations: number } {
  const [state, setState] = useState({
    pathname: location.pathname,
    search: location.search,
    navigations: 0,
  });
  useEffect(() => {
    const update = () =>
      setState((s) => ({
        pathname: location.pathname,
        search: location.search,
        navigations: s.navigations + 1,
      }));
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return state;
}

/**
 * Click handler for in-app links: a plain left click navigates in place; modified clicks (new tab,
 * new window) keep the browser's behaviour.
 */
export function onLinkClick(event: MouseEvent): void {
  if (
    event.defaultPrevented ||
    event.button !== 0 ||
    event.metaKey ||
    event.ctrlKey ||
    event.shiftKey ||
    event.altKey
  ) {
    return;
  }
  const anchor = event.currentTarget as HTMLAnchorElement;
  const url = new URL(anchor.href);
  if (url.origin !== location.origin) return;
  event.preventDefault();
  navigate(`${url.pathname}${url.search}`);
}
