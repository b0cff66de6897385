import type { AccessRequest } from "../domain/access-request.js";

/**
 * Read access to requests/grants. The authorizer and token issue use only this; the workflow's
 * repository (ports/request-repository.ts) extends it with transitions.
 */
export interface RequestReader {
  /**
   * The request with this id, or `undefined` if there is none (never invented, never defaulted).
   * @param options.consistentRead strongly consistent read (DynamoDB `ConsistentRead`).
   */
  get(requestId: string, options?: { consistentRead?: boolean }): Promise<AccessRequest | undefined>;
}
