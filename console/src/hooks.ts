import { createContext } from "preact";
import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";
import type { JitApi } from "./api";
import type { Session } from "./auth";
import type { ConsoleConfig } from "./config";

/** What every page needs: the configuration, the API client and the signed-in person. */
export interface ConsoleContext {
  config: ConsoleConfig;
  api: JitApi;
  session: Session;
}

export const AppContext = createContext<ConsoleContext | undefined>(undefined);

/** The console context; pages render only inside a signed-in shell. */
export function useConsole(): ConsoleContext {
  const context = useContext(AppContext);
  if (context === undefined) throw new Error("useConsole outside the signed-in shell");
  return context;
}

/** A value loaded from the API: `data` keeps the last good value while a reload runs. */
export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

/**
 * Loads `load()` now, again whenever `key` changes, and every `pollMs` while the tab is visible.
 * Stale answers (an older key's) are dropped.
 */
export function useResource<T>(key: string, load: () => Promise<T>, pollMs?: number): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const current = useRef(key);
  const loader = useRef(load);
  loader.current = load;

  const reload = useCallback(async () => {
    const requested = key;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await loader.current();
      if (current.current === requested) setState({ data, error: undefined, loading: false });
    } catch (error) {
      if (current.current === requested) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, [key]);

  useEffect(() => {
    current.current = key;
    setState({ data: undefined, error: undefined, loading: true });
    void reload();
    if (pollMs === undefined) return undefined;
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") void reload();
    }, pollMs);
    return () => window.clearInterval(timer);
  }, [key, pollMs, reload]);

  return { ...state, reload };
}

/** The current time, epoch ms, updated every `intervalMs` (countdowns). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
