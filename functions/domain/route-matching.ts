/**
 * Permission patterns (`METHOD /path`, docs/configuration.md) against the route a caller invoked.
 *
 * The semantics are exactly those API Gateway applies when it evaluates an authorizer's IAM policy against
 * the `methodArn` (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html):
 * the permission becomes the ARN resource `METHOD/path`, in which `*` matches any run of characters
 * (`/` included, zero characters included), and the called route is a literal string. Both this module and
 * {@link ../domain/iam-policy.ts} use the one matcher {@link iamWildcardMatch}, so the decision taken for the
 * current route and the policy API Gateway caches for later routes cannot disagree (H11, H12).
 */

/** HTTP methods a route can carry; a permission's `*` stands for each of them (API Gateway's verbs). */
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

/** One HTTP method API Gateway can invoke. */
export type HttpMethod = (typeof HTTP_METHODS)[number];

/**
 * Characters a permission path may hold: the URL path characters of RFC 3986 §3.3 plus `*` (the wildcard).
 * Everything else, notably `?` (the other IAM wildcard), whitespace and quotes, is refused, so a policy
 * file can never widen an IAM resource by accident.
 */
const PERMISSION_PATH = /^\/[A-Za-z0-9._~!$&'()+,;=:@%/*-]*$/;

/** The route a caller invoked: a method and a literal path starting with `/`. */
export interface Route {
  method: string;
  path: string;
}

/** A parsed permission: the concrete methods it opens and its path pattern (`*` = IAM wildcard). */
export interface ParsedPermission {
  /** `*` expanded to every {@link HTTP_METHODS} entry, so no wildcard ever spans the method segment. */
  readonly methods: readonly HttpMethod[];
  pathPattern: string;
}

/** Thrown for a permission that is not `METHOD /path` in the allowed alphabet. */
export class InvalidPermissionError extends Error {
  override name = "InvalidPermissionError";
}

/**
 * Parses `METHOD /path`.
 *
 * The method `*` is expanded into the concrete verbs rather than kept as a wildcard: as an ARN resource,
 * `* /orders` would read `apiId/stage/` + `*` + `/orders`, which also matches `GET/x/orders` because `*`
 * crosses `/`; that is wider than the permission means.
 * The result is frozen and shared: permissions come from the policy, a small fixed set, and the
 * authorizer checks them on every decision, so each valid one is parsed once per container (at most
 * {@link PARSED_PERMISSION_CACHE_ENTRIES} are kept). An invalid permission is never cached: it throws on
 * every call.
 * @throws InvalidPermissionError for an unknown method or a path outside the allowed characters.
 */
export function parsePermission(permission: string): ParsedPermission {
  const cached = parsedPermissions.get(permission);
  if (cached !== undefined) return cached;
  const parsed = Object.freeze(parsePermissionText(permission));
  if (parsedPermissions.size >= PARSED_PERMISSION_CACHE_ENTRIES) parsedPermissions.clear();
  parsedPermissions.set(permission, parsed);
  return parsed;
}

/** Most parsed permissions {@link parsePermission} keeps; far above any policy's permission count. */
export const PARSED_PERMISSION_CACHE_ENTRIES = 1_024;

const parsedPermissions = new Map<string, ParsedPermission>();

function parsePermissionText(permission: string): ParsedPermission {
  const match = /^([A-Z]+|\*) (\S+)$/.exec(permission);
  if (!match) throw new InvalidPermissionError(`permission "${permission}" is not "METHOD /path"`);
  const [, method = "", pathPattern = ""] = match;
  if (!PERMISSION_PATH.test(pathPattern)) {
    throw new InvalidPermissionError(`permission "${permission}" has a path outside the allowed characters`);
  }
  if (method === "*") return { methods: Object.freeze([...HTTP_METHODS]), pathPattern };
  if (!isHttpMethod(method))
    throw new InvalidPermissionError(`permission "${permission}" has unknown method`);
  return { methods: Object.freeze([method]), pathPattern };
}

/** True for one of {@link HTTP_METHODS} (case-sensitive, as in a `methodArn`). */
export function isHttpMethod(method: string): method is HttpMethod {
  return (HTTP_METHODS as readonly string[]).includes(method);
}

/**
 * IAM wildcard match of one ARN segment: in `pattern`, `*` matches any run of characters (possibly empty)
 * and `?` exactly one character; `value` is literal (a `*` in it is just a character). Case-sensitive,
 * like IAM resource matching
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards).
 *
 * Greedy two-pointer matching with one back-track point: O(pattern × value) worst case, no regular
 * expression built from input, so no catastrophic back-tracking.
 */
export function iamWildcardMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let starP = -1;
  let starV = 0;
  while (v < value.length) {
    const pc = pattern[p];
    if (pc === "*") {
      starP = p++;
      starV = v;
    } else if (pc !== undefined && (pc === "?" || pc === value[v])) {
      p++;
      v++;
    } else if (starP !== -1) {
      p = starP + 1;
      v = ++starV;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/**
 * The ARN resource tail `METHOD/path-without-leading-slash` for a route or permission, as API Gateway
 * writes it after `apiId/stage/` (the root `/` becomes `GET/`).
 */
export function resourceTail(method: string, path: string): string {
  return `${method}/${path.slice(1)}`;
}

/**
 * The ARN resource tails (`METHOD/path-pattern`, see {@link resourceTail}) that `permission` opens, one per
 * method of its {@link parsePermission} result, in that order. Like the parse, built once per valid
 * permission and kept (frozen, shared): the authorizer matches and lists them on every decision, and
 * they depend on the permission text alone.
 * @throws InvalidPermissionError for a permission outside the grammar (never cached).
 */
export function permissionResourceTails(permission: string): readonly string[] {
  const cached = permissionTails.get(permission);
  if (cached !== undefined) return cached;
  const parsed = parsePermission(permission);
  const tails = Object.freeze(parsed.methods.map((m) => resourceTail(m, parsed.pathPattern)));
  if (permissionTails.size >= PARSED_PERMISSION_CACHE_ENTRIES) permissionTails.clear();
  permissionTails.set(permission, tails);
  return tails;
}

const permissionTails = new Map<string, readonly string[]>();

/**
 * Whether `permission` covers `route`. The route's method must be one of {@link HTTP_METHODS} and its path
 * must start with `/`; its characters are taken literally (a `*`, `?` or `%2F` in it cannot widen a match).
 * @throws InvalidPermissionError when the permission itself is invalid.
 */
export function permissionCoversRoute(permission: string, route: Route): boolean {
  const value = routeTail(route);
  return value !== undefined && tailsMatch(permissionResourceTails(permission), value);
}

/**
 * The first of `permissions` covering `route`, or `undefined`.
 * @throws InvalidPermissionError when a permission is invalid (fail closed: callers deny).
 */
export function findCoveringPermission(permissions: readonly string[], route: Route): string | undefined {
  const value = routeTail(route);
  if (value === undefined) return undefined;
  for (const permission of permissions) {
    if (tailsMatch(permissionResourceTails(permission), value)) return permission;
  }
  return undefined;
}

/** The literal resource tail of a route, or `undefined` when no permission can cover it. */
function routeTail(route: Route): string | undefined {
  if (!isHttpMethod(route.method) || !route.path.startsWith("/")) return undefined;
  return resourceTail(route.method, route.path);
}

function tailsMatch(patterns: readonly string[], value: string): boolean {
  for (const pattern of patterns) if (iamWildcardMatch(pattern, value)) return true;
  return false;
}
