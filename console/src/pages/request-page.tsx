import { useState } from "preact/hooks";
import { ApiError, type AuditEvent, type RequestView, requestPath } from "../api";
import {
  DecisionControls,
  ErrorNotice,
  LoadingRows,
  RequestFacts,
  RevokeControl,
  StatusBadge,
  TokenCopy,
} from "../components";
import { formatTime, humanize } from "../format";
import { useConsole, useResource } from "../hooks";

const POLL_MS = 5000;

/** `/requests/{id}`: one request, what can be done with it, and its audit trail (the notifications' deep link). */
export function RequestPage({ id }: { id: string }) {
  const { api, session } = useConsole();
  const request = useResource(`request:${id}`, () => api.get<RequestView>(requestPath(id)), POLL_MS);
  const audit = useResource(
    `audit:${id}:${request.data?.status ?? ""}:${request.data?.approvals.length ?? 0}`,
    () => api.get<{ events: AuditEvent[] }>(requestPath(id, "audit")).then((r) => r.events),
  );
  const [updated, setUpdated] = useState<RequestView | undefined>();
  const r =
    updated !== undefined &&
    updated.requestId === id &&
    request.data !== undefined &&
    updated.updatedAt > request.data.updatedAt
      ? updated
      : request.data;
  const onDone = (next: RequestView) => {
    setUpdated(next);
    void request.reload();
  };
  const notFound =
    request.error instanceof ApiError && (request.error.status === 404 || request.error.status === 403);

  return (
    <>
      <h1 tabIndex={-1}>
        {r === undefined ? "Request" : `${r.entitlement} for ${r.requester}`}
        {r !== undefined ? (
          <>
            {" "}
            <StatusBadge status={r.status} />
          </>
        ) : null}
      </h1>
      <p class="lead mono">Request {id}</p>
      {notFound ? (
        <p class="notice notice-error" role="alert">
          {request.error instanceof ApiError ? request.error.message : ""} It may not exist, or you may not be
          its requester or one of its approvers.
        </p>
      ) : (
        <ErrorNotice error={request.error} />
      )}
      {r === undefined ? (
        request.error === undefined ? (
          <LoadingRows rows={1} label="Loading the request" />
        ) : null
      ) : (
        <section class="card" aria-label="Request details">
          <RequestFacts request={r} />
          {r.denyReason ? (
            <p>
              Denied by {r.deniedBy}: <span class="user-text">{r.denyReason}</span>
            </p>
          ) : null}
          {r.revokedAt ? (
            <p>
              Revoked by {r.revokedBy} at {formatTime(r.revokedAt)}
              {r.revokeReason ? (
                <>
                  : <span class="user-text">{r.revokeReason}</span>
                </>
              ) : null}
            </p>
          ) : null}
          <div class="card-actions">
            {r.active && r.requester === session.sub ? <TokenCopy requestId={r.requestId} /> : null}
            {r.active ? <RevokeControl request={r} onDone={onDone} /> : null}
          </div>
          {r.status === "PENDING" && r.requester !== session.sub ? (
            <DecisionControls request={r} onDone={onDone} />
          ) : null}
        </section>
      )}
      <section aria-labelledby="timeline-heading" class="timeline-section">
        <h2 id="timeline-heading">Audit trail</h2>
        <ErrorNotice error={notFound ? undefined : audit.error} />
        {audit.data === undefined ? (
          audit.error === undefined && !notFound ? (
            <LoadingRows rows={1} label="Loading the audit trail" />
          ) : null
        ) : audit.data.length === 0 ? (
          <p class="empty">No events yet.</p>
        ) : (
          <ol class="timeline">
            {audit.data.map((event) => (
              <li key={`${event.eventId}`}>
                <time dateTime={event.at}>{formatTime(event.at)}</time>
                <span class="timeline-action">{humanize(event.action)}</span>
                <span class="timeline-actor">by {event.actor}</span>
                {event.details !== undefined && Object.keys(event.details).length > 0 ? (
                  <dl class="timeline-details">
                    {Object.entries(event.details).map(([key, value]) => (
                      <div key={key}>
                        <dt>{key}</dt>
                        <dd class="user-text">{String(value)}</dd>
                      </div>
                    ))}
                  </dl>
                ) : null}
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
