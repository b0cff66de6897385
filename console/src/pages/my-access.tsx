import { useState } from "preact/hooks";
import { ApiError, type RequestView, requestPath } from "../api";
import {
  ApprovalProgress,
  Countdown,
  EmptyState,
  ErrorNotice,
  Link,
  LoadingRows,
  RevokeControl,
  StatusBadge,
  TokenCopy,
} from "../components";
import { formatSeconds, formatTime } from "../format";
import { useConsole, useResource } from "../hooks";

/** How often the list refreshes, ms: approvals by others show up without a reload. */
const POLL_MS = 5000;

/** My access: the caller's requests and grants, live. */
export function MyAccessPage() {
  const { api } = useConsole();
  const [showAll, setShowAll] = useState(false);
  const mine = useResource(
    `mine:${showAll}`,
    () =>
      api.get<{ requests: RequestView[] }>(`/requests?mine${showAll ? "&all" : ""}`).then((r) => r.requests),
    POLL_MS,
  );
  return (
    <>
      <h1 tabIndex={-1}>My access</h1>
      <p class="lead">Your requests and grants. Copy a fresh token while a grant is active.</p>
      <label class="toggle">
        <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.currentTarget.checked)} />
        <span>Include finished requests</span>
      </label>
      <ErrorNotice error={mine.error} />
      {mine.data === undefined && mine.error === undefined ? (
        <LoadingRows rows={2} label="Loading your requests" />
      ) : mine.data !== undefined && mine.data.length === 0 ? (
        <EmptyState>
          No requests yet. <Link href="/">Request access</Link>
        </EmptyState>
      ) : (
        <ul class="cards" aria-label="Your requests">
          {(mine.data ?? []).map((r) => (
            <li key={r.requestId}>
              <MyRequestCard request={r} onChange={() => void mine.reload()} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function MyRequestCard({ request, onChange }: { request: RequestView; onChange: () => void }) {
  const { api } = useConsole();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function cancel() {
    setBusy(true);
    setError(undefined);
    try {
      await api.post(requestPath(request.requestId, "cancel"), {});
      onChange();
    } catch (err) {
      setError(err instanceof ApiError ? err : err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <article class="card" aria-label={`${request.entitlement} ${request.status}`}>
      <header class="card-head">
        <h2>
          <Link href={`/requests/${encodeURIComponent(request.requestId)}`}>{request.entitlement}</Link>
        </h2>
        <StatusBadge status={request.status} />
        {request.active ? (
          <span class="time-left">
            <Countdown expiresAt={request.expiresAt} />
          </span>
        ) : null}
      </header>
      <p class="card-meta">
        {formatSeconds(request.durationSeconds)} · requested {formatTime(request.createdAt)}
        {request.status === "PENDING" ? (
          <>
            {" · "}
            <ApprovalProgress request={request} />
          </>
        ) : null}
      </p>
      {request.justification ? <p class="user-text">{request.justification}</p> : null}
      <div class="card-actions">
        {request.active ? (
          <>
            <TokenCopy requestId={request.requestId} />
            <RevokeControl request={request} onDone={onChange} />
          </>
        ) : null}
        {request.status === "PENDING" ? (
          <div class="action">
            <button type="button" class="secondary" disabled={busy} onClick={cancel}>
              {busy ? "Cancelling…" : "Cancel request"}
            </button>
          </div>
        ) : null}
      </div>
      <ErrorNotice error={error} />
    </article>
  );
}
