import { useState } from "preact/hooks";
import type { RequestView } from "../api";
import {
  DecisionControls,
  EmptyState,
  ErrorNotice,
  Link,
  LoadingRows,
  RequestFacts,
  StatusBadge,
} from "../components";
import { useConsole, useResource } from "../hooks";

const POLL_MS = 10_000;

/** Approvals: the pending requests the caller may decide, with N-of-M progress. */
export function ApprovalsPage() {
  const { api } = useConsole();
  const pending = useResource(
    "pending",
    () => api.get<{ requests: RequestView[] }>("/requests?pending").then((r) => r.requests),
    POLL_MS,
  );
  // Requests this person acted on stay listed (with their new state and the outcome message) until they
  // leave the page, even once they are no longer pending.
  const [decided, setDecided] = useState<ReadonlyMap<string, RequestView>>(new Map());
  const listed = pending.data ?? [];
  const shown = [
    ...listed,
    ...[...decided.values()].filter((d) => !listed.some((r) => r.requestId === d.requestId)),
  ];
  const onDone = (r: RequestView) => {
    setDecided((m) => new Map(m).set(r.requestId, r));
    void pending.reload();
  };
  return (
    <>
      <h1 tabIndex={-1}>Approvals</h1>
      <p class="lead">Requests waiting for your decision. Your own requests are never listed here.</p>
      <ErrorNotice error={pending.error} />
      {pending.data === undefined && pending.error === undefined ? (
        <LoadingRows rows={2} label="Loading pending requests" />
      ) : shown.length === 0 ? (
        <EmptyState>Nothing waits for you.</EmptyState>
      ) : (
        <ul class="cards" aria-label="Pending requests">
          {shown.map((r) => (
            <li key={r.requestId}>
              <article class="card" aria-label={`${r.entitlement} for ${r.requester}`}>
                <header class="card-head">
                  <h2>
                    <Link href={`/requests/${encodeURIComponent(r.requestId)}`}>
                      {r.entitlement} for {r.requester}
                    </Link>
                  </h2>
                  {r.status !== "PENDING" ? <StatusBadge status={r.status} /> : null}
                </header>
                <RequestFacts request={r} />
                <DecisionControls request={r} onDone={onDone} />
              </article>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
