/**
 * Route matching of the API Gateway emulator, following REST API (v1) resources: a resource path is
 * literal segments and `{name}` path parameters; a literal segment wins over a parameter at the same
 * position (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html).
 */

/** One method on one resource, e.g. `GET /requests/{id}`. */
export interface RouteDefinition<T> {
  /** HTTP method in upper case. */
  method: string;
  /** Resource path as API Gateway shows it in `resource`/`resourcePath`, e.g. `/requests/{id}/audit`. */
  resource: string;
  /** What the route runs (integration, authorizer choice); opaque to the matcher. */
  target: T;
}

/** A matched route with its decoded path parameters (`null` when the resource has none, like API Gateway). */
export interface RouteMatch<T> {
  route: RouteDefinition<T>;
  pathParameters: Record<string, string> | null;
}

type Segment = { kind: "literal"; value: string } | { kind: "param"; name: string };

interface CompiledRoute<T> {
  route: RouteDefinition<T>;
  segments: Segment[];
}

/** A compiled route table; build once with {@link compileRoutes}. */
export interface RouteTable<T> {
  routes: readonly CompiledRoute<T>[];
}

/**
 * Validates and compiles route definitions.
 * @throws Error when a resource is malformed or a method/resource pair is defined twice.
 */
export function compileRoutes<T>(routes: readonly RouteDefinition<T>[]): RouteTable<T> {
  const seen = new Set<string>();
  const compiled = routes.map((route) => {
    if (!route.resource.startsWith("/")) throw new Error(`resource "${route.resource}" must start with "/"`);
    const key = `${route.method} ${route.resource}`;
    if (seen.has(key)) throw new Error(`route ${key} is defined twice`);
    seen.add(key);
    const segments = splitPath(route.resource).map((part): Segment => {
      const param = /^\{([A-Za-z0-9_]+)\}$/.exec(part);
      if (param?.[1]) return { kind: "param", name: param[1] };
      if (/[{}]/.test(part))
        throw new Error(`resource "${route.resource}" has a malformed segment "${part}"`);
      return { kind: "literal", value: part };
    });
    return { route, segments };
  });
  return { routes: compiled };
}

/**
 * Finds the route for a request. Among resources matching the path, the one with a literal segment
 * earliest (where others have a parameter) wins; then the method must match exactly.
 * @param method HTTP method as sent.
 * @param rawPath the request path without query string, still percent-encoded.
 * @returns the match, or `undefined` (API Gateway answers 403 "Missing Authentication Token"), or `"bad-path"`
 *   when a path parameter is not valid percent-encoding.
 */
export function matchRoute<T>(
  table: RouteTable<T>,
  method: string,
  rawPath: string,
): RouteMatch<T> | undefined | "bad-path" {
  const parts = splitPath(rawPath);
  let best: { compiled: CompiledRoute<T>; score: string } | undefined;
  for (const compiled of table.routes) {
    if (compiled.route.method !== method.toUpperCase()) continue;
    if (compiled.segments.length !== parts.length) continue;
    let score = "";
    let ok = true;
    for (let i = 0; i < parts.length; i++) {
      const segment = compiled.segments[i] as Segment;
      const part = parts[i] as string;
      if (segment.kind === "literal") {
        if (segment.value !== part) {
          ok = false;
          break;
        }
        score += "1";
      } else {
        if (part === "") {
          ok = false;
          break;
        }
        score += "0";
      }
    }
    if (ok && (best === undefined || score > best.score)) best = { compiled, score };
  }
  if (!best) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const segment = best.compiled.segments[i] as Segment;
    if (segment.kind !== "param") continue;
    try {
      params[segment.name] = decodeURIComponent(parts[i] as string);
    } catch {
      return "bad-path";
    }
  }
  return {
    route: best.compiled.route,
    pathParameters: Object.keys(params).length === 0 ? null : params,
  };
}

/** Path segments; `/` is none, one trailing slash is ignored (API Gateway treats `/orders/` as `/orders`). */
function splitPath(path: string): string[] {
  if (path === "/" || path === "") return [];
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  return trimmed.slice(1).split("/");
}
