import { createHash } from "node:crypto";
import type { DevUser } from "#functions/domain/policy.js";

const STYLE = [
  "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}",
  "h1{font-size:1.4rem}ul{list-style:none;padding:0}li{margin:.5rem 0}",
  "button{font:inherit;padding:.5rem 1rem;min-width:12rem;text-align:left;cursor:pointer}",
  ".groups{color:#57606a;margin-left:.75rem}.error{color:#b42318}",
].join("");

/**
 * Headers of every page: a CSP allowing only this page's own stylesheet (by hash, no inline script at all),
 * no framing (clickjacking), no caching, no referrer (the query holds the PKCE challenge and state).
 */
export const SIGN_IN_PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": `default-src 'none'; style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'; frame-ancestors 'none'; base-uri 'none'`,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** HTML-escapes text for element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * The development IdP's sign-in page: one button per user of the policy (with their groups), in a form
 * that posts `username` and the authorization request's parameters (as hidden fields) to `/authorize`.
 * Every user-supplied text (usernames, groups, parameters) is escaped: shown as text, never as markup.
 * @param parameters the validated authorization request parameters to carry to the POST.
 * @param message an error to show above the list (e.g. an unknown user), or none.
 */
export function signInPage(
  users: readonly DevUser[],
  parameters: Readonly<Record<string, string>>,
  clientId: string,
  message?: string,
): string {
  const hidden = Object.entries(parameters)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n    ");
  const list =
    users.length === 0
      ? "<p>The policy file lists no <code>users</code>: add some to sign in locally.</p>"
      : `<ul>\n${users
          .map(
            (u) =>
              `      <li><button type="submit" name="username" value="${escapeHtml(u.username)}">${escapeHtml(u.username)}</button>` +
              `<span class="groups">${escapeHtml(u.groups.join(", ") || "no groups")}</span></li>`,
          )
          .join("\n")}\n    </ul>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in: jit-access development IdP</title>
  <style>${STYLE}</style>
</head>
<body>
  <main>
  <h1>Sign in to ${escapeHtml(clientId)}</h1>
  <p>Development identity provider of the local stack: choose who you are. No password; loopback only.</p>
  ${message === undefined ? "" : `<p class="error" role="alert">${escapeHtml(message)}</p>`}
  <form method="post" action="/authorize">
    ${hidden}
    ${list}
  </form>
  </main>
</body>
</html>
`;
}

/** A page that explains a refused authorization request (used when there is no safe redirect URI). */
export function errorPage(title: string, detail: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${escapeHtml(title)}: jit-access development IdP</title>
  <style>${STYLE}</style>
</head>
<body>
  <main>
  <h1>${escapeHtml(title)}</h1>
  <p class="error" role="alert">${escapeHtml(detail)}</p>
  </main>
</body>
</html>
`;
}
