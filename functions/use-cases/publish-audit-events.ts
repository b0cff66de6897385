import { v5 as uuidv5 } from "uuid";
import { type AccessRequest, effectiveStatus } from "../domain/access-request.js";
import type { AuditEvent } from "../domain/audit-event.js";
import type { Clock } from "../domain/clock.js";
import {
  audiencesFor,
  type BusEvent,
  channelsFor,
  detailTypeFor,
  EVENT_DETAIL_VERSION,
  EVENT_SOURCE,
  type EventRequest,
  type IntegrationEventDetail,
  requestPageUrl,
} from "../domain/notifications/integration-event.js";
import { findEntitlement, type Policy } from "../domain/policy.js";
import type { EventBus } from "../ports/notifications.js";
import type { RequestReader } from "../ports/request-store.js";

/** What the publisher needs. */
export interface PublishDeps {
  bus: EventBus;
  /** Reads the request an audit event concerns, to describe it (entitlement, approvals so far...). */
  requests: RequestReader;
  policy: Policy;
  clock: Clock;
  /** Base URL of the web console, for request links; undefined leaves links out. */
  consoleUrl: string | undefined;
}

/** Namespace of the name-based (RFC 9562 v5) event ids: a replayed stream record gets the same id. */
const EVENT_ID_NAMESPACE = "5b0e3c0e-93f5-4d83-9a6b-2c6f8d1f7a41";

/**
 * The event id of an audit event: a UUID derived from the request id and the audit event's sort key,
 * so the same audit event always has the same id (stream retries, replays) and no two audit events share
 * one, across all requests.
 */
export function auditEventUuid(requestId: string, auditEventId: string): string {
  return uuidv5(`audit\n${requestId}\n${auditEventId}`, EVENT_ID_NAMESPACE);
}

/** The event id of a reminder, unique per request, reminder action and slot. */
export function reminderEventUuid(requestId: string, action: string, slot: string): string {
  return uuidv5(`reminder\n${requestId}\n${action}\n${slot}`, EVENT_ID_NAMESPACE);
}

/** The request as events describe it. */
export function describeRequest(request: AccessRequest, policy: Policy, nowMs: number): EventRequest {
  const entitlement = findEntitlement(policy, request.entitlementId);
  const out: EventRequest = {
    requestId: request.requestId,
    entitlementId: request.entitlementId,
    requester: request.requester,
    status: effectiveStatus(request, nowMs),
    durationSeconds: request.durationSeconds,
    approvals: request.approvals.map((a) => ({ approver: a.approver, at: a.at })),
    breakGlass: request.breakGlass,
    createdAt: request.createdAt,
    approvalDeadline: request.approvalDeadline,
  };
  if (entitlement && !entitlement.autoApprove && !entitlement.breakGlass) {
    out.approvalsRequired = entitlement.minApprovals;
  }
  if (request.kind !== undefined) out.kind = request.kind;
  if (request.extends !== undefined) out.extends = request.extends;
  if (request.extendedTo !== undefined) out.extendedTo = request.extendedTo;
  if (request.justification !== undefined) out.justification = request.justification;
  if (request.ticket !== undefined) out.ticket = request.ticket;
  if (request.grantedAt !== undefined) out.grantedAt = request.grantedAt;
  if (request.expiresAt !== undefined) out.expiresAt = request.expiresAt;
  if (request.breakGlass) {
    out.reviewRequired = request.reviewedAt === undefined;
  }
  return out;
}

/**
 * The bus event of one audit event (docs/events.md). The request is read to describe it; a request already
 * deleted (TTL) is described from the audit event's own details.
 */
export async function integrationEventFor(deps: PublishDeps, event: AuditEvent): Promise<BusEvent> {
  const stored = await deps.requests.get(event.requestId, { consistentRead: true });
  const details = event.details ?? {};
  const text = (k: string) => (typeof details[k] === "string" ? (details[k] as string) : undefined);
  const request: EventRequest = stored
    ? describeRequest(stored, deps.policy, deps.clock.nowMs())
    : {
        requestId: event.requestId,
        entitlementId: text("entitlementId") ?? text("entitlement") ?? "unknown",
        requester: text("requester") ?? (event.action === "REQUESTED" ? event.actor : "unknown"),
        ...(text("expiresAt") === undefined ? {} : { expiresAt: text("expiresAt") }),
      };
  const entitlement = findEntitlement(deps.policy, request.entitlementId);
  const selfServed = stored
    ? stored.autoApproved || stored.breakGlass
    : Boolean(entitlement?.autoApprove || entitlement?.breakGlass);
  const channels = channelsFor(
    entitlement?.notify,
    audiencesFor(event.action, {
      selfServed,
      breakGlass: request.breakGlass ?? entitlement?.breakGlass ?? false,
    }),
  );
  const detail: IntegrationEventDetail = {
    version: EVENT_DETAIL_VERSION,
    eventId: auditEventUuid(event.requestId, event.eventId),
    action: event.action,
    origin: "audit",
    auditEventId: event.eventId,
    occurredAt: event.at,
    actor: event.actor,
    request,
    channels,
  };
  if (event.details && Object.keys(event.details).length > 0) detail.details = event.details;
  const consoleUrl = requestPageUrl(deps.consoleUrl, event.requestId);
  if (consoleUrl) detail.consoleUrl = consoleUrl;
  return { source: EVENT_SOURCE, detailType: detailTypeFor(event.action), detail };
}

/**
 * Publishes audit events to the bus, one bus event each, in order. It calls no channel: a slow channel
 * cannot hold up the stream.
 * @throws whatever the bus or the request read throws; event ids are stable, so retrying is safe.
 */
export async function publishAuditEvents(deps: PublishDeps, events: readonly AuditEvent[]): Promise<void> {
  const busEvents: BusEvent[] = [];
  for (const event of events) busEvents.push(await integrationEventFor(deps, event));
  if (busEvents.length > 0) await deps.bus.put(busEvents);
}
