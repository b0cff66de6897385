/** Host names of the loopback interface (RFC 8252 §7.3, §8.3), as the WHATWG URL parser writes them. */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether `url` may be trusted for identity metadata and keys: `https:`, or `http:` on a loopback address
 * only (a local identity provider). Anything else could be read or altered on the way.
 */
export function isTrustworthyUrl(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
}
