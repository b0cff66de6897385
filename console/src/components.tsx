import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiError, type RequestView, requestPath, SignedOutError, type TokenResponse } from "./api";
import { formatSeconds, formatTime, timeLeft } from "./format";
import { useConsole, useNow } from "./hooks";
import { onLinkClick } from "./router";

/** The message to show for a failed call: the API's own words, or a plain fallback. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError || error instanceof SignedOutError) return error.message;
  if (error instanceof Error) return `Something went wrong: ${error.message}`;
  return "Something went wrong.";
}

/** An error, announced to screen readers. */
export function ErrorNotice({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  return (
    <p class="notice notice-error" role="alert">
      {errorText(error)}
    </p>
  );
}

/** In-app link. */
export function Link(props: { href: string; class?: string; children: ComponentChildren }) {
  return (
    <a href={props.href} class={props.class} onClick={onLinkClick}>
      {props.children}
    </a>
  );
}

/** The status as a word with a colour; the word carries the meaning, the colour only helps. */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}

/** `1 of 2 approvals` and who approved. */
export function ApprovalProgress({ request }: { request: RequestView }) {
  const needed = request.minApprovals;
  if (request.autoApproved) return <span>Approved automatically</span>;
  if (request.breakGlass) return <span>Break-glass: granted at once, reviewed afterwards</span>;
  const count = request.approvals.length;
  const who = request.approvals.map((a) => a.approver).join(", ");
  return (
    <span>
      {needed === undefined
        ? `${count} approval${count === 1 ? "" : "s"}`
        : `${Math.min(count, needed)} of ${needed} approvals`}
      {count > 0 ? ` (${who})` : ""}
    </span>
  );
}

/** Live time left of an active grant. */
export function Countdown({ expiresAt }: { expiresAt: string | undefined }) {
  const now = useNow(1000);
  return <span class="countdown">{timeLeft(expiresAt, now)}</span>;
}

/** Placeholder rows while a list loads, as tall as the content they stand for (no layout jump). */
export function LoadingRows({ rows = 2, label }: { rows?: number; label: string }) {
  return (
    <div class="loading" role="status" aria-label={label}>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} class="card card-placeholder" aria-hidden="true" />
      ))}
    </div>
  );
}

/** A short message in place of an empty list. */
export function EmptyState({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** Key facts of a request, as a description list. */
export function RequestFacts({
  request,
  showRequester = true,
}: {
  request: RequestView;
  showRequester?: boolean;
}) {
  return (
    <dl class="facts">
      {showRequester ? (
        <>
          <dt>Requester</dt>
          <dd>{request.requester}</dd>
        </>
      ) : null}
      <dt>Duration</dt>
      <dd>{formatSeconds(request.durationSeconds)}</dd>
      {request.justification ? (
        <>
          <dt>Justification</dt>
          <dd class="user-text">{request.justification}</dd>
        </>
      ) : null}
      {request.ticket ? (
        <>
          <dt>Ticket</dt>
          <dd class="user-text">{request.ticket}</dd>
        </>
      ) : null}
      <dt>Approvals</dt>
      <dd>
        <ApprovalProgress request={request} />
      </dd>
      <dt>Requested</dt>
      <dd>{formatTime(request.createdAt)}</dd>
      {request.expiresAt ? (
        <>
          <dt>{request.active ? "Expires" : "Ends"}</dt>
          <dd>
            {formatTime(request.expiresAt)}
            {request.active ? (
              <>
                {" · "}
                <Countdown expiresAt={request.expiresAt} />
              </>
            ) : null}
          </dd>
        </>
      ) : null}
    </dl>
  );
}

/**
 * "Copy access token": asks the JIT API for a fresh token and puts it on the clipboard. When the
 * clipboard is not available the token is shown in a read-only field to copy by hand.
 */
export function TokenCopy({ requestId }: { requestId: string }) {
  const { api } = useConsole();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");
  const [manual, setManual] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  async function copy() {
    setBusy(true);
    setError(undefined);
    setMessage("");
    setManual(undefined);
    try {
      const token = await api.post<TokenResponse>(requestPath(requestId, "token"));
      try {
        await navigator.clipboard.writeText(token.access_token);
        setMessage(`Copied a token valid for ${formatSeconds(token.expires_in)}.`);
      } catch {
        setManual(token.access_token);
        setMessage(
          `The clipboard is not available: copy the token below (valid for ${formatSeconds(token.expires_in)}).`,
        );
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="action">
      <button type="button" onClick={copy} disabled={busy}>
        {busy ? "Getting a token…" : "Copy access token"}
      </button>
      <span class="action-status" aria-live="polite">
        {message}
      </span>
      {manual !== undefined ? (
        <label class="field">
          <span>Access token</span>
          <textarea readOnly rows={3} value={manual} />
        </label>
      ) : null}
      <ErrorNotice error={error} />
    </div>
  );
}

/** Revoke, with an optional reason, in two steps so a stray click does not end a grant. */
export function RevokeControl({
  request,
  onDone,
}: {
  request: RequestView;
  onDone: (r: RequestView) => void;
}) {
  const { api } = useConsole();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const id = `revoke-${request.requestId}`;
  async function revoke(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = reason.trim() === "" ? {} : { reason: reason.trim() };
      onDone(await api.post<RequestView>(requestPath(request.requestId, "revoke"), body));
      setOpen(false);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  if (!open) {
    return (
      <div class="action">
        <button type="button" class="danger" onClick={() => setOpen(true)}>
          Revoke…
        </button>
      </div>
    );
  }
  return (
    <form class="action inline-form" onSubmit={revoke} noValidate>
      <label class="field" for={`${id}-reason`}>
        <span>Reason for revoking (optional)</span>
        <input
          id={`${id}-reason`}
          value={reason}
          maxLength={1000}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
      </label>
      <div class="buttons">
        <button type="submit" class="danger" disabled={busy}>
          {busy ? "Revoking…" : "Confirm revoke"}
        </button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>
          Keep access
        </button>
      </div>
      <ErrorNotice error={error} />
    </form>
  );
}

/**
 * Approve (with an optional comment) or deny (with a reason) a pending request. When another approver
 * decided first, it says so and shows the state the request is in now.
 */
export function DecisionControls({
  request,
  onDone,
}: {
  request: RequestView;
  onDone: (r: RequestView) => void;
}) {
  const { api } = useConsole();
  const [comment, setComment] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState<"approve" | "deny" | undefined>();
  const [error, setError] = useState<unknown>();
  const [reasonError, setReasonError] = useState<string | undefined>();
  const [outcome, setOutcome] = useState("");
  const id = `decide-${request.requestId}`;

  async function decide(kind: "approve" | "deny") {
    setError(undefined);
    setReasonError(undefined);
    setOutcome("");
    if (kind === "deny" && reason.trim() === "") {
      setReasonError("Give a reason: the requester sees it.");
      document.getElementById(`${id}-reason`)?.focus();
      return;
    }
    setBusy(kind);
    try {
      const body =
        kind === "approve"
          ? comment.trim() === ""
            ? {}
            : { comment: comment.trim() }
          : { reason: reason.trim() };
      const updated = await api.post<RequestView>(requestPath(request.requestId, kind), body);
      setOutcome(
        kind === "deny"
          ? "You denied this request."
          : updated.status === "APPROVED"
            ? "Approved: access is granted."
            : `Your approval is recorded: ${Math.min(updated.approvals.length, updated.minApprovals ?? 0)} of ${updated.minApprovals ?? "?"} approvals.`,
      );
      onDone(updated);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 409 || err.status === 410)) {
        try {
          const now = await api.get<RequestView>(requestPath(request.requestId));
          if (now.status !== "PENDING") {
            setError(
              new ApiError(
                err.status,
                err.code,
                `Someone else decided first: this request is now ${now.status}.`,
              ),
            );
            onDone(now);
            return;
          }
        } catch {
          // fall through to the original refusal
        }
      }
      setError(err);
    } finally {
      setBusy(undefined);
    }
  }

  const status = (
    <>
      <p class="action-status" aria-live="polite">
        {outcome}
      </p>
      <ErrorNotice error={error} />
    </>
  );
  // Once decided (by this person or another), only the outcome stays: no buttons that can no longer work.
  if (request.status !== "PENDING") return <div class="decision">{status}</div>;
  return (
    <form
      class="decision"
      onSubmit={(e) => {
        e.preventDefault();
        void decide("approve");
      }}
      noValidate
    >
      <label class="field" for={`${id}-comment`}>
        <span>Comment (optional)</span>
        <input
          id={`${id}-comment`}
          value={comment}
          maxLength={1000}
          onInput={(e) => setComment(e.currentTarget.value)}
        />
      </label>
      <label class="field" for={`${id}-reason`}>
        <span>Reason to deny</span>
        <input
          id={`${id}-reason`}
          value={reason}
          maxLength={1000}
          aria-invalid={reasonError !== undefined}
          aria-describedby={reasonError !== undefined ? `${id}-reason-error` : undefined}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
        {reasonError !== undefined ? (
          <span id={`${id}-reason-error`} class="field-error">
            {reasonError}
          </span>
        ) : null}
      </label>
      <div class="buttons">
        <button type="submit" disabled={busy !== undefined}>
          {busy === "approve" ? "Approving…" : "Approve"}
        </button>
        <button type="button" class="danger" disabled={busy !== undefined} onClick={() => decide("deny")}>
          {busy === "deny" ? "Denying…" : "Deny"}
        </button>
      </div>
      {status}
    </form>
  );
}
