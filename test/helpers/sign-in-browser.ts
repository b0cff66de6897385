/**
 * The browser step of a sign-in at the development IdP, over plain HTTP: open the authorization URL, read
 * the sign-in page's form (its hidden fields carry the request), post it with a username, and return where
 * the IdP redirects (the client's redirect URI with `code` and `state`). No redirect is followed.
 */

/** What the sign-in page answered, and the form it holds. */
export interface SignInPage {
  status: number;
  html: string;
  headers: Headers;
  /** Hidden fields of the page's form (the authorization request's parameters). */
  fields: Record<string, string>;
  /** Usernames offered as buttons. */
  usernames: string[];
}

/** Opens the sign-in page of `authorizationUrl`. */
export async function openSignInPage(authorizationUrl: string): Promise<SignInPage> {
  const response = await fetch(authorizationUrl, { redirect: "manual" });
  const html = await response.text();
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unescapeHtml(match[1] ?? "")] = unescapeHtml(match[2] ?? "");
  }
  const usernames = [...html.matchAll(/<button type="submit" name="username" value="([^"]*)">/g)].map((m) =>
    unescapeHtml(m[1] ?? ""),
  );
  return { status: response.status, html, headers: response.headers, fields, usernames };
}

/**
 * Posts the sign-in form as `username`, as the browser does when the user presses their button.
 * @returns the status and `Location` of the IdP's answer.
 */
export async function submitSignIn(
  idpIssuer: string,
  fields: Record<string, string>,
  username: string,
): Promise<{ status: number; location: string | null; text: string }> {
  const response = await fetch(`${idpIssuer}/authorize`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...fields, username }),
  });
  return { status: response.status, location: response.headers.get("location"), text: await response.text() };
}

/**
 * The whole browser step: open the page, sign in as `username`.
 * @returns the redirect URL the IdP sends the browser to.
 * @throws Error when the page or the sign-in does not answer as a working IdP does.
 */
export async function signInAs(idpIssuer: string, authorizationUrl: string, username: string): Promise<URL> {
  const page = await openSignInPage(authorizationUrl);
  if (page.status !== 200) throw new Error(`sign-in page answered ${page.status}: ${page.html}`);
  const answer = await submitSignIn(idpIssuer, page.fields, username);
  if (answer.status !== 302 || answer.location === null) {
    throw new Error(`sign-in answered ${answer.status}: ${answer.text}`);
  }
  return new URL(answer.location);
}

function unescapeHtml(text: string): string {
  return text
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}
