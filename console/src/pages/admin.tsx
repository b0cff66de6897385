import { useState } from "preact/hooks";
import { ApiError, type RequestView, requestPath } from "../api";
import {
  Countdown,
  EmptyState,
  ErrorNotice,
  Link,
  LoadingRows,
  RevokeControl,
  StatusBadge,
} from "../components";
import { formatTime } from "../format";
import { useConsole, useResource } from "../hooks";

const POLL_MS = 10_000;

/** A list the JIT API refuses as an unknown query (an older API without oversight views) says so plainly. */
function unsupported(error: unknown): boolean {
  return error instanceof ApiError && error.status === 400 && error.code === "invalid_request";
}

/** Admin: live grants across users, and break-glass grants awaiting review. */
export function AdminPage() {
  const { api } = useConsole();
  const active = useResource(
    "active",
    () => api.get<{ requests: RequestView[] }>("/requests?active").then((r) => r.requests),
    POLL_MS,
  );
  const breakGlass = useResource(
    "break-glass",
    () => api.get<{ requests: RequestView[] }>("/requests?breakGlass&unreviewed").then((r) => r.requests),
    POLL_MS,
  );
  return (
    <>
      <h1 tabIndex={-1}>Admin</h1>
      <p class="lead">Live grants across people, and break-glass grants that need a review.</p>
      <section aria-labelledby="live-heading">
        <h2 id="live-heading">Live grants</h2>
        <GrantList
          resource={active}
          empty="No live grants."
          kind="live"
          onChange={() => void active.reload()}
        />
      </section>
      <section aria-labelledby="break-glass-heading">
        <h2 id="break-glass-heading">Break-glass awaiting review</h2>
        <GrantList
          resource={breakGlass}
          empty="No break-glass grant awaits review."
          kind="break-glass"
          onChange={() => {
            void breakGlass.reload();
            void active.reload();
          }}
        />
      </section>
    </>
  );
}

function GrantList(props: {
  resource: { data: RequestView[] | undefined; error: unknown };
  empty: string;
  kind: "live" | "break-glass";
  onChange: () => void;
}) {
  const { data, error } = props.resource;
  if (unsupported(error)) {
    return (
      <p class="notice">
        This JIT API does not offer this list yet. It answered: {(error as ApiError).message}
      </p>
    );
  }
  if (error instanceof ApiError && error.status === 403) {
    return <p class="notice">Only administrators and approvers see this list. {error.message}</p>;
  }
  if (data === undefined) {
    return error === undefined ? <LoadingRows rows={1} label="Loading" /> : <ErrorNotice error={error} />;
  }
  if (data.length === 0) return <EmptyState>{props.empty}</EmptyState>;
  return (
    <>
      <ErrorNotice error={error} />
      <ul class="cards">
        {data.map((r) => (
          <li key={r.requestId}>
            <article class="card" aria-label={`${r.entitlement} for ${r.requester}`}>
              <header class="card-head">
                <h3>
                  <Link href={`/requests/${encodeURIComponent(r.requestId)}`}>
                    {r.entitlement} for {r.requester}
                  </Link>
                </h3>
                <StatusBadge status={r.status} />
                {r.active ? (
                  <span class="time-left">
                    <Countdown expiresAt={r.expiresAt} />
                  </span>
                ) : null}
              </header>
              <p class="card-meta">
                granted {formatTime(r.grantedAt)} · expires {formatTime(r.expiresAt)}
                {r.justification ? (
                  <>
                    {" · "}
                    <span class="user-text">{r.justification}</span>
                  </>
                ) : null}
              </p>
              <div class="card-actions">
                {r.active ? <RevokeControl request={r} onDone={props.onChange} /> : null}
                {props.kind === "break-glass" ? <ReviewControl request={r} onDone={props.onChange} /> : null}
              </div>
            </article>
          </li>
        ))}
      </ul>
    </>
  );
}

function ReviewControl({ request, onDone }: { request: RequestView; onDone: () => void }) {
  const { api } = useConsole();
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const id = `review-${request.requestId}`;
  async function review(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.post(requestPath(request.requestId, "review"), { note: note.trim() });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const fieldError = error instanceof ApiError ? error.messageFor("note") : undefined;
  return (
    <form class="action inline-form" onSubmit={review} noValidate>
      <label class="field" for={`${id}-note`}>
        <span>Review note</span>
        <input
          id={`${id}-note`}
          value={note}
          maxLength={1000}
          aria-invalid={fieldError !== undefined}
          onInput={(e) => setNote(e.currentTarget.value)}
        />
      </label>
      <div class="buttons">
        <button type="submit" disabled={busy}>
          {busy ? "Recording…" : "Mark reviewed"}
        </button>
      </div>
      <ErrorNotice error={error} />
    </form>
  );
}
