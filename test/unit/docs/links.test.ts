import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import GithubSlugger from "github-slugger";
import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The repository's own address: links to it must resolve inside this checkout too. */
const REPOSITORY_BLOB = "https://github.com/jit-access/jit-access/blob/main/";

/** The pages a reader navigates between. */
function documentationPages(): string[] {
  const docs = readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  return ["README.md", "ARCHITECTURE.md", "CONTRIBUTING.md", ...docs];
}

const markdown = new MarkdownIt({ html: true });

/** Link targets of a Markdown page, as rendered (links in code spans and blocks are not links). */
function linkTargets(source: string): string[] {
  const targets: string[] = [];
  const walk = (tokens: ReturnType<typeof markdown.parse>) => {
    for (const token of tokens) {
      if (token.type === "link_open") targets.push(String(token.attrGet("href") ?? ""));
      if (token.children) walk(token.children);
    }
  };
  walk(markdown.parse(source, {}));
  return targets;
}

/** The anchors GitHub gives a page: one per heading (github-slugger, as on github.com) and explicit ids. */
function anchorsOf(file: string): Set<string> {
  const source = readFileSync(file, "utf8");
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  const tokens = markdown.parse(source, {});
  tokens.forEach((token, i) => {
    if (token.type !== "heading_open") return;
    const inline = tokens[i + 1];
    const text = (inline?.children ?? [])
      .filter((t) => t.type === "text" || t.type === "code_inline")
      .map((t) => t.content)
      .join("");
    anchors.add(slugger.slug(text));
  });
  for (const match of source.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1] as string);
  return anchors;
}

/** Why `target`, linked from `page`, does not resolve; `undefined` when it does. */
function brokenReason(page: string, target: string): string | undefined {
  let local = target;
  if (target.startsWith(REPOSITORY_BLOB)) local = `/${target.slice(REPOSITORY_BLOB.length)}`;
  else if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // another site: not ours to check
  const [pathPart = "", anchor] = local.split("#", 2);
  const file =
    pathPart === ""
      ? join(ROOT, page)
      : pathPart.startsWith("/")
        ? join(ROOT, pathPart)
        : resolve(dirname(join(ROOT, page)), pathPart);
  if (!existsSync(file)) return `${relative(ROOT, file)} does not exist`;
  if (anchor === undefined || anchor === "") return undefined;
  if (statSync(file).isDirectory() || !file.endsWith(".md"))
    return `#${anchor} on a file that is not Markdown`;
  return anchorsOf(file).has(decodeURIComponent(anchor))
    ? undefined
    : `${relative(ROOT, file)} has no heading #${anchor}`;
}

describe("documentation links", () => {
  it("resolve to a file or heading of the repository, from every page", () => {
    const broken: string[] = [];
    let checked = 0;
    for (const page of documentationPages()) {
      for (const target of linkTargets(readFileSync(join(ROOT, page), "utf8"))) {
        checked += 1;
        const reason = brokenReason(page, target);
        if (reason !== undefined) broken.push(`${page}: (${target}) ${reason}`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it("are checked: a missing file, a missing heading and a heading in another page are told apart", () => {
    expect(brokenReason("README.md", "docs/no-such-page.md")).toBe("docs/no-such-page.md does not exist");
    expect(brokenReason("README.md", "#no-such-heading")).toBe("README.md has no heading #no-such-heading");
    expect(brokenReason("README.md", "#quick-start")).toBeUndefined();
    expect(brokenReason("docs/cli.md", "errors.md#self_approval")).toBeUndefined();
    expect(brokenReason("README.md", `${REPOSITORY_BLOB}docs/errors.md#nothing`)).toBe(
      "docs/errors.md has no heading #nothing",
    );
  });
});
