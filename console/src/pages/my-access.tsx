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
    <article
      class="card"
      aria-label={`${request.entitlement}${request.kind === "extension" ? " extension" : ""} ${request.status}`}
    >
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
      {request.kind === "extension" && request.extends !== undefined ? (
        <p class="card-meta">
          Extension of{" "}
          <Link href={`/requests/${encodeURIComponent(request.extends)}`}>grant {request.extends}</Link>
          {request.extendedTo ? <> · grant now expires {formatTime(request.extendedTo)}</> : null}
        </p>
      ) : null}
      <p class="card-meta">
        {request.kind === "extension" ? "adds " : ""}
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
            {request.extendableUntil !== undefined &&
            request.expiresAt !== undefined &&
            request.extendableUntil > request.expiresAt ? (
              <ExtendControl request={request} onDone={onChange} />
            ) : null}
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

/** Extension lengths offered; the API cuts each to what the entitlement's total limit leaves. */
const EXTEND_CHOICES = [
  ["PT15M", "15 minutes"],
  ["PT30M", "30 minutes"],
  ["PT1H", "1 hour"],
  ["PT2H", "2 hours"],
  ["PT4H", "4 hours"],
] as const;

/**
 * Extend a live grant (`POST /requests/{id}/extend`): the extension waits for the entitlement's approvers
 * or, where the policy allows, is granted at once; either outcome is said in words.
 */
function ExtendControl({ request, onDone }: { request: RequestView; onDone: () => void }) {
  const { api } = useConsole();
  const [open, setOpen] = useState(false);
  const [duration, setDuration] = useState<string>("PT30M");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");
  const [error, setError] = useState<unknown>();
  const id = `extend-${request.requestId}`;
  async function extend(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = reason.trim() === "" ? { duration } : { duration, justification: reason.trim() };
      const extension = await api.post<RequestView>(requestPath(request.requestId, "extend"), body);
      setMessage(
        extension.status === "APPROVED"
          ? `Extended: the grant now expires ${formatTime(extension.extendedTo)}.`
          : `Extension of ${formatSeconds(extension.durationSeconds)} requested; it waits for approval.`,
      );
      setOpen(false);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const fieldError = error instanceof ApiError ? error.messageFor("justification") : undefined;
  if (!open) {
    return (
      <div class="action">
        <button type="button" class="secondary" onClick={() => setOpen(true)}>
          Extend…
        </button>
        <span class="action-status" aria-live="polite">
          {message}
        </span>
      </div>
    );
  }
  return (
    <form class="action inline-form" onSubmit={extend} noValidate aria-label="Extend this grant">
      <label class="field" for={`${id}-duration`}>
        <span>Extend by</span>
        <select id={`${id}-duration`} value={duration} onChange={(e) => setDuration(e.currentTarget.value)}>
          {EXTEND_CHOICES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label class="field" for={`${id}-reason`}>
        <span>Reason</span>
        <input
          id={`${id}-reason`}
          value={reason}
          maxLength={1000}
          aria-invalid={fieldError !== undefined}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
      </label>
      <p class="card-meta">At most until {formatTime(request.extendableUntil)} in all.</p>
      <div class="buttons">
        <button type="submit" disabled={busy}>
          {busy ? "Asking…" : "Ask for more time"}
        </button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>
          Never mind
        </button>
      </div>
      <ErrorNotice error={error} />
    </form>
  );
}
