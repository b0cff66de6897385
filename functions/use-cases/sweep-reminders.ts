import { type AccessRequest, effectiveStatus, isoToMs } from "../domain/access-request.js";
import type { Clock } from "../domain/clock.js";
import {
  type BusEvent,
  channelsFor,
  detailTypeFor,
  EVENT_DETAIL_VERSION,
  EVENT_SOURCE,
  type ReminderAction,
  requestPageUrl,
} from "../domain/notifications/integration-event.js";
import {
  pendingReminderDueMs,
  pendingReminderSlot,
  withinLeadTime,
} from "../domain/notifications/reminder-schedule.js";
import type { Entitlement, Policy } from "../domain/policy.js";
import type { EventBus, NotificationLedger, RequestsByStatus } from "../ports/notifications.js";
import { describeRequest, reminderEventUuid } from "./publish-audit-events.js";

/** What the sweeper needs. */
export interface SweepDeps {
  requests: RequestsByStatus;
  ledger: NotificationLedger;
  bus: EventBus;
  policy: Policy;
  clock: Clock;
  consoleUrl: string | undefined;
}

/** How long a sent reminder is remembered: longer than any approval timeout or grant. */
const REMINDER_MEMORY_SECONDS = 30 * 24 * 3600;

/** One reminder the sweep sent (for its log line). */
export interface SentReminder {
  requestId: string;
  action: ReminderAction;
  slot: string;
}

/** Ledger key of one reminder slot of one request. */
export function reminderKey(requestId: string, action: ReminderAction, slot: string): string {
  return `reminder#${requestId}#${action}#${slot}`;
}

/**
 * One sweep (run every minute by EventBridge Scheduler; docs/events.md): for each entitlement with
 * channels to tell, re-announces pending requests with backoff, escalates those close to their approval
 * deadline, and warns requesters of grants about to expire. Each reminder is put on the bus once per
 * request and slot: the slot is recorded after the put, and the event id is derived from the slot, so a
 * sweep that fails in between repeats an event the channels deduplicate.
 * @returns the reminders sent by this sweep.
 * @throws the first read or bus failure (the next sweep picks up what this one missed).
 */
export async function sweepReminders(deps: SweepDeps): Promise<SentReminder[]> {
  const sent: SentReminder[] = [];
  const nowMs = deps.clock.nowMs();
  const settings = deps.policy.notifications.reminders;
  for (const entitlement of deps.policy.entitlements) {
    const { approvers, escalation, requester } = entitlement.notify;
    if (approvers.length > 0 || escalation.length > 0) {
      for (const request of await deps.requests.list("PENDING", entitlement.id)) {
        if (effectiveStatus(request, nowMs) !== "PENDING") continue;
        const slot = pendingReminderSlot(isoToMs(request.createdAt), settings.firstAfterSeconds, nowMs);
        if (approvers.length > 0 && slot !== undefined) {
          const due = pendingReminderDueMs(isoToMs(request.createdAt), settings.firstAfterSeconds, slot);
          await remind(deps, sent, entitlement, request, "PENDING_REMINDER", String(slot), due);
        }
        const deadlineMs = isoToMs(request.approvalDeadline);
        if (escalation.length > 0 && withinLeadTime(deadlineMs, settings.escalateBeforeSeconds, nowMs)) {
          await remind(
            deps,
            sent,
            entitlement,
            request,
            "APPROVAL_ESCALATION",
            request.approvalDeadline,
            nowMs,
          );
        }
      }
    }
    if (requester.length > 0) {
      for (const grant of await deps.requests.list("APPROVED", entitlement.id)) {
        if (effectiveStatus(grant, nowMs) !== "APPROVED" || grant.expiresAt === undefined) continue;
        if (withinLeadTime(isoToMs(grant.expiresAt), settings.expiryWarningBeforeSeconds, nowMs)) {
          // The slot is the expiry time: an extended grant is warned again before its new end.
          await remind(deps, sent, entitlement, grant, "EXPIRY_WARNING", grant.expiresAt, nowMs);
        }
      }
    }
  }
  return sent;
}

async function remind(
  deps: SweepDeps,
  sent: SentReminder[],
  entitlement: Entitlement,
  request: AccessRequest,
  action: ReminderAction,
  slot: string,
  atMs: number,
): Promise<void> {
  const key = reminderKey(request.requestId, action, slot);
  if (await deps.ledger.has(key)) return;
  const consoleUrl = requestPageUrl(deps.consoleUrl, request.requestId);
  const event: BusEvent = {
    source: EVENT_SOURCE,
    detailType: detailTypeFor(action),
    detail: {
      version: EVENT_DETAIL_VERSION,
      eventId: reminderEventUuid(request.requestId, action, slot),
      action,
      origin: "reminder",
      occurredAt: new Date(atMs).toISOString(),
      actor: "system:reminder-sweeper",
      request: describeRequest(request, deps.policy, deps.clock.nowMs()),
      slot,
      channels: channelsFor(entitlement.notify, [
        action === "PENDING_REMINDER"
          ? "approvers"
          : action === "APPROVAL_ESCALATION"
            ? "escalation"
            : "requester",
      ]),
      ...(consoleUrl ? { consoleUrl } : {}),
    },
  };
  await deps.bus.put([event]);
  await deps.ledger.record(key, REMINDER_MEMORY_SECONDS);
  sent.push({ requestId: request.requestId, action, slot });
}
