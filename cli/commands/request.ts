import type { Command } from "commander";
import type { AccessRequestView, EntitlementView } from "../api-types.js";
import type { CliContext } from "../context.js";
import { parseCliDuration } from "../duration.js";
import { NotApprovedError, UsageError } from "../errors.js";
import { displayText, formatFriendlyDuration } from "../format.js";
import type { NewRequest } from "../http-client.js";
import { requestErrorInCliTerms } from "../request-errors.js";
import { startSpinner } from "../spinner.js";
import { parseStartTime } from "../start-time.js";
import { requestDetails } from "../views.js";
import { waitForDecision } from "../wait.js";

/** Default of `--timeout` for `--wait`. */
export const DEFAULT_WAIT_TIMEOUT = "15m";

/** Registers `jit request`. */
export function registerRequestCommand(program: Command, context: (command: Command) => CliContext): void {
  program
    .command("request")
    .description("ask for temporary access to an entitlement")
    .argument("<entitlement>", "entitlement id (see `jit entitlements`)")
    .option(
      "--for <duration>",
      "how long: ISO 8601 (PT1H) or 1h, 30m, 90s, 1h30m, 2d (default: the entitlement's)",
    )
    .option("--reason <text>", "justification, shown to approvers and recorded")
    .option("--ticket <ticket>", "change or incident ticket, e.g. INC-4211")
    .option(
      "--start <time>",
      "start the grant later (at most 7 days ahead): 2026-01-31T09:00Z, 2026-01-31T09:00 or 09:00 (local time), +2h",
    )
    .option("--wait", "wait until the request is approved, denied, cancelled or expires")
    .option("--timeout <duration>", "with --wait: give up after this long", DEFAULT_WAIT_TIMEOUT)
    .action(async (entitlement: string, opts: RequestOptions, command: Command) => {
      const ctx = context(command);
      const timeout = parseCliDuration(opts.timeout, "--timeout");
      if (!opts.wait && command.getOptionValueSource("timeout") !== "default") {
        throw new UsageError("--timeout only applies with --wait");
      }
      const body: NewRequest = { entitlement };
      if (opts.for !== undefined) body.duration = parseCliDuration(opts.for, "--for").iso;
      if (opts.reason !== undefined) body.justification = opts.reason;
      if (opts.ticket !== undefined) body.ticket = opts.ticket;
      if (opts.start !== undefined) body.startsAt = parseStartTime(opts.start, Date.now());

      const client = ctx.client();
      const created = await client.createRequest(body).catch(async (err: unknown) => {
        throw await requestErrorInCliTerms(err, entitlement, () => client.listEntitlements());
      });
      if (!opts.wait) {
        ctx.emit(() => `${headline(created)}\n${requestDetails(created, ctx.now())}`, created);
        return;
      }
      // Who can approve, from the entitlement's rule (best effort: the wait works without it).
      const approvers = await client
        .listEntitlements()
        .then((list) => approverText(list.find((e) => e.id === created.entitlement)))
        .catch(() => "");
      const started = Date.now();
      const tty = ctx.output.stderr.isTTY === true;
      // On a terminal one status line, updated in place; elsewhere one line now, and the outcome later.
      if (!tty && !ctx.json && created.status === "PENDING") {
        ctx.output.stderr.write(`${headline(created)}${approvers ? ` Waiting for ${approvers}.` : ""}\n`);
      }
      const spinner = startSpinner(ctx.output.stderr, waitText(created, started, approvers));
      // Ctrl-C (or a SIGTERM) ends the wait, not the request: say so, and how to withdraw it.
      const interrupted = (signal: NodeJS.Signals) => {
        spinner.stop();
        ctx.output.stderr.write(
          `\nrequest ${created.requestId} is still pending; \`jit cancel ${created.requestId}\` withdraws it\n`,
        );
        process.exit(signal === "SIGINT" ? EXIT_INTERRUPTED : 128 + 15);
      };
      process.once("SIGINT", interrupted);
      process.once("SIGTERM", interrupted);
      let outcome: Awaited<ReturnType<typeof waitForDecision>>;
      try {
        outcome = await waitForDecision(client, created, timeout.seconds * 1000, (r) =>
          spinner.update(waitText(r, started, approvers)),
        );
      } finally {
        spinner.stop();
        process.off("SIGINT", interrupted);
        process.off("SIGTERM", interrupted);
      }
      const final = outcome.request;
      ctx.emit(() => `${headline(final)}\n${requestDetails(final, ctx.now())}`, final);
      if (outcome.kind === "timeout") {
        throw new NotApprovedError(
          `request ${final.requestId} is still ${final.status} after ${formatFriendlyDuration(timeout.seconds)}; ` +
            `check later with \`jit show ${final.requestId}\``,
        );
      }
      if (final.status !== "APPROVED") {
        const why = final.denyReason ? `: ${final.denyReason}` : "";
        throw new NotApprovedError(`request ${final.requestId} was not approved (${final.status})${why}`);
      }
    });
}

interface RequestOptions {
  for?: string;
  reason?: string;
  ticket?: string;
  start?: string;
  wait?: boolean;
  timeout: string;
}

function headline(r: AccessRequestView): string {
  let text = displayText(headlineText(r));
  if (r.clamped && r.requestedDurationSeconds !== undefined && r.durationSeconds !== undefined) {
    text += `\nYou asked for ${formatFriendlyDuration(r.requestedDurationSeconds)}; the entitlement allows at most ${formatFriendlyDuration(r.durationSeconds)}.`;
  }
  return text;
}

function headlineText(r: AccessRequestView): string {
  switch (r.status) {
    case "PENDING":
      return `Requested ${r.entitlement}${r.startsAt ? ` from ${r.startsAt}` : ""}: request ${r.requestId} is waiting for approval.`;
    case "APPROVED":
      if (r.grantedAt !== undefined && Date.parse(r.grantedAt) > Date.now()) {
        return `Access to ${r.entitlement} granted from ${r.grantedAt}: get a token with \`jit token ${r.requestId}\` once it starts.`;
      }
      return `Access to ${r.entitlement} granted: get a token with \`jit token ${r.requestId}\` or run a command with \`jit exec ${r.requestId} -- <command>\`.`;
    default:
      return `Request ${r.requestId} for ${r.entitlement} is ${r.status}.`;
  }
}

function waitText(r: AccessRequestView, startedMs: number, approvers: string): string {
  const waited = formatFriendlyDuration((Date.now() - startedMs) / 1000);
  const progress =
    r.minApprovals === undefined ? "" : `, ${r.approvals?.length ?? 0} of ${r.minApprovals} approvals`;
  const who = approvers ? ` from ${approvers}` : "";
  return displayText(
    `request ${r.requestId} for ${r.entitlement}: ${r.status}${progress}, waiting ${waited} for approval${who} (Ctrl-C stops waiting)`,
  );
}

/** Exit code of a `--wait` ended by Ctrl-C: 128 + SIGINT, as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** Who may approve an entitlement, in a few words: `1 approver of sre`, `2 approvers of sre, payments`. */
export function approverText(e: EntitlementView | undefined): string {
  const groups = e?.approverGroups;
  if (!e || !groups || groups.length === 0) return "";
  const n = e.minApprovals ?? 1;
  return `${n} approver${n === 1 ? "" : "s"} of ${groups.join(", ")}`;
}
