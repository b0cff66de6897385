import { useState } from "preact/hooks";
import { ApiError, type EntitlementView, type RequestView } from "../api";
import { EmptyState, ErrorNotice, LoadingRows } from "../components";
import { formatSeconds } from "../format";
import { useConsole, useResource } from "../hooks";
import { navigate } from "../router";

/** Presets offered for the duration, seconds; only those within the entitlement's maximum are shown. */
const PRESETS = [900, 1800, 3600, 7200, 14_400, 28_800, 43_200, 86_400];

/**
 * The approval rule in words: the API's own `approvalRule` (functions/domain/approval-rule.ts), so a
 * per-group quorum reads "1 approver from sre and 1 approver from payments-approvers", as the CLI shows it.
 */
function rule(e: EntitlementView): string {
  if (e.breakGlass) return "Break-glass: granted at once, announced and reviewed afterwards";
  if (e.autoApprove) return "Approved automatically";
  return `Needs ${e.approvalRule}`;
}

function durationChoices(e: EntitlementView): number[] {
  const set = new Set(PRESETS.filter((s) => s <= e.maxDurationSeconds));
  set.add(e.defaultDurationSeconds);
  set.add(e.maxDurationSeconds);
  return [...set].sort((a, b) => a - b);
}

/** Request access: the entitlements the caller may request, and the request form. */
export function RequestAccessPage() {
  const { api } = useConsole();
  const entitlements = useResource("entitlements", () =>
    api.get<{ entitlements: EntitlementView[] }>("/entitlements").then((r) => r.entitlements),
  );
  const [selectedId, setSelectedId] = useState<string | undefined>();
  const list = entitlements.data ?? [];
  const selected = list.find((e) => e.id === selectedId) ?? list[0];

  return (
    <>
      <h1 tabIndex={-1}>Request access</h1>
      <p class="lead">Choose what you need, for how long and why. Approvers are notified at once.</p>
      <ErrorNotice error={entitlements.error} />
      {entitlements.data === undefined && entitlements.error === undefined ? (
        <LoadingRows rows={3} label="Loading entitlements" />
      ) : list.length === 0 && entitlements.error === undefined ? (
        <EmptyState>
          There is nothing you may request. Ask your platform team to add you to an eligible group.
        </EmptyState>
      ) : selected !== undefined ? (
        <RequestForm
          key={selected.id}
          entitlements={list}
          selected={selected}
          onSelect={setSelectedId}
          onCreated={(r) => navigate(`/requests/${encodeURIComponent(r.requestId)}`)}
        />
      ) : null}
    </>
  );
}

function RequestForm(props: {
  entitlements: EntitlementView[];
  selected: EntitlementView;
  onSelect: (id: string) => void;
  onCreated: (request: RequestView) => void;
}) {
  const { api } = useConsole();
  const e = props.selected;
  const [durationSeconds, setDurationSeconds] = useState(e.defaultDurationSeconds);
  const [justification, setJustification] = useState("");
  const [ticket, setTicket] = useState("");
  const [startsAt, setStartsAt] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const apiError = error instanceof ApiError ? error : undefined;
  const fieldError = (...fields: string[]) =>
    fields.map((f) => apiError?.messageFor(f)).find((m) => m !== undefined);
  const errors = {
    entitlement: fieldError("entitlement"),
    duration: fieldError("durationSeconds", "duration"),
    justification: fieldError("justification"),
    ticket: fieldError("ticket"),
    startsAt: fieldError("startsAt"),
  };
  const fieldLevel = Object.values(errors).some((m) => m !== undefined);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const body: Record<string, unknown> = { entitlement: e.id, durationSeconds };
    if (justification.trim() !== "") body.justification = justification.trim();
    if (ticket.trim() !== "") body.ticket = ticket.trim();
    if (startsAt !== "") {
      const ms = Date.parse(startsAt);
      body.startsAt = Number.isFinite(ms) ? new Date(ms).toISOString() : startsAt;
    }
    try {
      props.onCreated(await api.post<RequestView>("/requests", body));
    } catch (err) {
      setError(err);
      setBusy(false);
      // Focus the first field the API named, so keyboard and screen reader users land on the problem.
      window.setTimeout(() => {
        (document.querySelector("[aria-invalid='true']") as HTMLElement | null)?.focus();
      }, 0);
    }
  }

  const describedBy = (name: string, extra?: string) =>
    [extra, (errors as Record<string, string | undefined>)[name] !== undefined ? `${name}-error` : undefined]
      .filter(Boolean)
      .join(" ") || undefined;

  return (
    <form class="request-form" onSubmit={submit} noValidate>
      <fieldset class="entitlements">
        <legend>Entitlement</legend>
        {props.entitlements.map((option) => (
          <label key={option.id} class={`choice${option.id === e.id ? " choice-selected" : ""}`}>
            <input
              type="radio"
              name="entitlement"
              value={option.id}
              checked={option.id === e.id}
              onChange={() => props.onSelect(option.id)}
            />
            <span class="choice-body">
              <span class="choice-title">{option.id}</span>
              <span class="choice-text">{option.description}</span>
              <span class="choice-meta">
                {rule(option)} · up to {formatSeconds(option.maxDurationSeconds)} (default{" "}
                {formatSeconds(option.defaultDurationSeconds)})
                {option.ticketPattern !== undefined ? ` · ticket ${option.ticketPattern}` : ""}
                {option.requireJustification ? " · reason required" : ""}
              </span>
            </span>
          </label>
        ))}
        {errors.entitlement !== undefined ? <p class="field-error">{errors.entitlement}</p> : null}
      </fieldset>

      <fieldset class="durations" aria-describedby={describedBy("duration")}>
        <legend>Duration</legend>
        <div class="preset-row">
          {durationChoices(e).map((seconds) => (
            <label key={seconds} class="preset">
              <input
                type="radio"
                name="duration"
                value={seconds}
                checked={durationSeconds === seconds}
                onChange={() => setDurationSeconds(seconds)}
              />
              <span>{formatSeconds(seconds)}</span>
            </label>
          ))}
        </div>
        {errors.duration !== undefined ? (
          <p id="duration-error" class="field-error">
            {errors.duration}
          </p>
        ) : null}
      </fieldset>

      <div class="field">
        <label for="justification">
          Justification{e.requireJustification ? " (required)" : " (optional)"}
        </label>
        <textarea
          id="justification"
          rows={3}
          maxLength={1000}
          value={justification}
          aria-invalid={errors.justification !== undefined}
          aria-describedby={describedBy("justification")}
          onInput={(ev) => setJustification(ev.currentTarget.value)}
        />
        {errors.justification !== undefined ? (
          <p id="justification-error" class="field-error">
            {errors.justification}
          </p>
        ) : null}
      </div>

      <div class="field">
        <label for="ticket">Ticket{e.ticketPattern !== undefined ? " (required)" : " (optional)"}</label>
        <input
          id="ticket"
          value={ticket}
          maxLength={200}
          autoComplete="off"
          aria-invalid={errors.ticket !== undefined}
          aria-describedby={describedBy("ticket", e.ticketPattern !== undefined ? "ticket-hint" : undefined)}
          onInput={(ev) => setTicket(ev.currentTarget.value)}
        />
        {e.ticketPattern !== undefined ? (
          <p id="ticket-hint" class="hint">
            Must match {e.ticketPattern}
          </p>
        ) : null}
        {errors.ticket !== undefined ? (
          <p id="ticket-error" class="field-error">
            {errors.ticket}
          </p>
        ) : null}
      </div>

      <div class="field">
        <label for="starts-at">Start later (optional)</label>
        <input
          id="starts-at"
          type="datetime-local"
          value={startsAt}
          aria-invalid={errors.startsAt !== undefined}
          aria-describedby={describedBy("startsAt", "starts-at-hint")}
          onInput={(ev) => setStartsAt(ev.currentTarget.value)}
        />
        <p id="starts-at-hint" class="hint">
          Your local time. Leave empty to start as soon as it is approved.
        </p>
        {errors.startsAt !== undefined ? (
          <p id="startsAt-error" class="field-error">
            {errors.startsAt}
          </p>
        ) : null}
      </div>

      {error !== undefined && !fieldLevel ? <ErrorNotice error={error} /> : null}
      {fieldLevel ? (
        <p class="notice notice-error" role="alert">
          The request was not sent: see the highlighted field.
        </p>
      ) : null}
      <div class="buttons">
        <button type="submit" disabled={busy}>
          {busy ? "Sending…" : `Request ${e.id}`}
        </button>
      </div>
    </form>
  );
}
