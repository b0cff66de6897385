import type { AccessRequest } from "../domain/access-request.js";
import { ValidationError } from "../domain/errors.js";
import type {
  ListPartition,
  PartitionPosition,
  PartitionRead,
  RequestRepository,
} from "../ports/request-repository.js";

/**
 * Where each partition of a paged list stands, in the order of its partitions: a store position (read on
 * after it), `{}` (not read yet) or `null` (finished). Sealed into the `next` cursor by the HTTP adapter.
 */
export type ListPositions = (PartitionPosition | null)[];

/** Which page to read: at most `limit` items, from `positions` (the list's start when absent). */
export interface PageRequest {
  /** 1-100 (docs/http-api.md, "Paging"). */
  limit: number;
  positions?: ListPositions | undefined;
}

/** One page of a list and where the next one starts (`undefined` when this was the last page). */
export interface Page {
  items: AccessRequest[];
  next: ListPositions | undefined;
}

/** A list over one or more partitions: which to read, in which direction, and what it keeps. */
export interface PagedListSpec {
  partitions: ListPartition[];
  /** `asc`: oldest `createdAt` first; `desc`: newest first. Partitions must be read in the same order. */
  order: "asc" | "desc";
  /** Items the list shows; others are read past and never returned. */
  keep(request: AccessRequest): boolean;
}

/**
 * Reads one page of a list that spans several index partitions, as a merge of them ordered by `createdAt`
 * (ties by partition), so pages never repeat or skip an item however the partitions interleave.
 *
 * Each partition is read from its own position. An item is returned only when no unread item of another
 * partition can sort before it (it precedes every other partition's last read item, the frontier), so a
 * page may hold fewer than `limit` items while `next` is still given; every call moves at least one
 * partition forward. The new position of a partition is just before its first kept item not returned.
 *
 * @returns the page and the positions of the next one (`undefined` when every partition is finished).
 * @throws ValidationError `invalid_cursor` when `positions` has not one entry per partition: a cursor from
 *   before the caller's groups or the policy changed which partitions the list reads.
 */
export async function readPage(
  requests: RequestRepository,
  spec: PagedListSpec,
  page: PageRequest,
): Promise<Page> {
  const positions: ListPositions = page.positions ?? spec.partitions.map(() => ({}));
  if (positions.length !== spec.partitions.length) {
    throw new ValidationError(
      "The next cursor no longer fits this list (your groups or the policy changed since); start the list " +
        "again without next.",
      { field: "next" },
      "invalid_cursor",
    );
  }
  const reads: PartitionRead[] = await Promise.all(
    spec.partitions.map((partition, i) => {
      const at = positions[i];
      if (at === null || at === undefined) return { entries: [], exhausted: true };
      return requests.readPartition(partition, Object.keys(at).length === 0 ? undefined : at, page.limit);
    }),
  );
  const sign = spec.order === "asc" ? 1 : -1;
  const before = (a: string, pa: number, b: string, pb: number) => {
    const c = a === b ? 0 : a < b ? -sign : sign;
    return c < 0 || (c === 0 && pa < pb);
  };
  const frontiers = reads.map((read) =>
    read.exhausted ? undefined : (read.entries.at(-1)?.position.createdAt ?? ""),
  );
  const candidates: { request: AccessRequest; partition: number; index: number }[] = [];
  reads.forEach((read, partition) => {
    read.entries.forEach((entry, index) => {
      if (entry.request && spec.keep(entry.request)) {
        candidates.push({ request: entry.request, partition, index });
      }
    });
  });
  candidates.sort((x, y) =>
    before(x.request.createdAt, x.partition, y.request.createdAt, y.partition)
      ? -1
      : before(y.request.createdAt, y.partition, x.request.createdAt, x.partition)
        ? 1
        : x.index - y.index,
  );
  const returned = new Set<(typeof candidates)[number]>();
  for (const c of candidates) {
    if (returned.size === page.limit) break;
    const blocked = frontiers.some(
      (frontier, q) =>
        q !== c.partition && frontier !== undefined && !before(c.request.createdAt, c.partition, frontier, q),
    );
    if (blocked) break;
    returned.add(c);
  }
  const next: ListPositions = reads.map((read, p) => {
    if (positions[p] === null) return null;
    const firstLeft = candidates.find((c) => c.partition === p && !returned.has(c));
    if (firstLeft === undefined) {
      if (read.exhausted) return null;
      return read.entries.at(-1)?.position ?? (positions[p] as PartitionPosition);
    }
    return firstLeft.index === 0
      ? (positions[p] as PartitionPosition)
      : (read.entries[firstLeft.index - 1]?.position as PartitionPosition);
  });
  return {
    items: candidates.filter((c) => returned.has(c)).map((c) => c.request),
    next: next.every((p) => p === null) ? undefined : next,
  };
}
