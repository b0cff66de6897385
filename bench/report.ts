import type { CallCountFigures, MissPathFigures, WarmPathFigures } from "./authorizer-path.js";
import type { ColdStartResult } from "./cold-start.js";
import type { IssuePathFigures } from "./issue-path.js";
import { round } from "./stats.js";

/** Everything one `npm run bench` measured (the shape of bench/results.json). */
export interface BenchResults {
  generatedAt: string;
  /** A `--quick` smoke run (too few rounds to quote). */
  quick: boolean;
  environment: { node: string; platform: string; cpus: number; cpuModel: string };
  durationSeconds: number;
  warmPath: WarmPathFigures;
  missPath: MissPathFigures;
  coldStart: {
    runsPerBundle: number;
    reference: string;
    authorizer: string;
    /** Median of per-round ratios of the deployed authorizer's load time to the reference's. */
    authorizerLoadOverReference: number;
    /** Names of the authorizer bundling alternatives among `bundles`. */
    variants: string[];
    bundles: ColdStartResult[];
  };
  issuePath: IssuePathFigures;
  callCounts: CallCountFigures;
  targets: TargetResult[];
}

/** One performance target (docs/performance.md) and whether this run met it. */
export interface TargetResult {
  target: string;
  measured: string;
  pass: boolean;
}

/** The performance targets (docs/performance.md), checked against `r`. */
export function checkTargets(r: BenchResults): TargetResult[] {
  const c = r.callCounts;
  const authorizations = c.authorizationsPerWindow * c.windows;
  return [
    {
      target: "authorizer warm decision ≤ 1.25 × bare jose.jwtVerify",
      measured: `${fmt(r.warmPath.authorizerOverJose)} ×`,
      pass: r.warmPath.authorizerOverJose <= 1.25,
    },
    {
      target: "authorizer bundle module load ≤ 1.2 × the reference bundle",
      measured: `${fmt(r.coldStart.authorizerLoadOverReference)} ×`,
      pass: r.coldStart.authorizerLoadOverReference <= 1.2,
    },
    {
      target: "0 KMS calls per authorization",
      measured: `${c.kmsCallsDuringAuthorizations} in ${authorizations}`,
      pass: c.kmsCallsDuringAuthorizations === 0,
    },
    {
      target: "≤ 1 DynamoDB read per grant per cache window",
      measured: `at most ${c.maxReadsPerGrantPerWindow}`,
      pass: c.maxReadsPerGrantPerWindow <= 1,
    },
    {
      target: "1 KMS Sign per token issued",
      measured: `${fmt(r.issuePath.kmsSignPerToken)}`,
      pass: r.issuePath.kmsSignPerToken === 1,
    },
  ];
}

function fmt(value: number, digits = 2): string {
  return String(round(value, digits));
}

const kb = (bytes: number) => `${fmt(bytes / 1024, 1)} KB`;

function table(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Packages whose share of the authorizer bundle exceeds the reference's by more than 4 KB, largest first. */
function beyondReference(authorizer?: ColdStartResult, reference?: ColdStartResult): string[][] {
  if (authorizer === undefined || reference === undefined) return [];
  const a = authorizer.bytesByPackage;
  const r = reference.bytesByPackage;
  return Object.keys({ ...a, ...r })
    .map((pkg) => ({ pkg, a: a[pkg] ?? 0, r: r[pkg] ?? 0 }))
    .filter((x) => x.a - x.r > 4096)
    .sort((x, y) => y.a - y.r - (x.a - x.r))
    .map((x) => [x.pkg, kb(x.a), kb(x.r), `+${kb(x.a - x.r)}`]);
}

/** Prints the run as Markdown tables (the same tables the README's "Performance" section quotes). */
export function printReport(r: BenchResults): void {
  const w = r.warmPath;
  const m = r.missPath;
  const i = r.issuePath;
  const c = r.callCounts;
  const cs = r.coldStart;
  const ref = cs.bundles.find((b) => b.name === cs.reference);
  const perToken = Object.entries(i.dynamodbPerToken)
    .map(([name, n]) => `${name.replace(/Command$/, "")} ${fmt(n)}`)
    .join(", ");
  const out: string[] = [];
  out.push(
    `jit-access benchmark — ${r.generatedAt}, Node ${r.environment.node}, ${r.environment.platform}, ` +
      `${r.environment.cpus} × ${r.environment.cpuModel}, ${r.durationSeconds} s${r.quick ? " (QUICK: not quotable)" : ""}`,
    "",
    table(
      ["#", "measure", "figure"],
      [
        [
          "1",
          "authorizer warm decision (REST REQUEST, grant cached, logger at INFO: allowed decisions are DEBUG, not written)",
          `${fmt(w.authorizerUs, 1)} µs`,
        ],
        ["1", "bare `jose.jwtVerify`, same token and CryptoKey", `${fmt(w.joseUs, 1)} µs`],
        ["1", "node:crypto ES256 `verify` of the same signature (floor)", `${fmt(w.nodeCryptoUs, 1)} µs`],
        ["1", "authorizer / jose", `${fmt(w.authorizerOverJose)} ×`],
        ["1", "jose / node:crypto", `${fmt(w.joseOverNodeCrypto)} ×`],
        [
          "1",
          "its token verifier alone (header checks, jose with iss/aud/time options, claim checks)",
          `${fmt(w.verifierUs, 1)} µs`,
        ],
        ["1", "authorizer with its logger SILENT (no log line)", `${fmt(w.authorizerNoLogUs, 1)} µs`],
        [
          "2",
          "authorizer, grant read from DynamoDB Local every call: p50 / p99",
          `${fmt(m.p50Ms)} / ${fmt(m.p99Ms)} ms`,
        ],
        [
          "2",
          "bare `jose.jwtVerify` then the same GetItem, same rounds: p50 / p99",
          `${fmt(m.joseGetItemP50Ms)} / ${fmt(m.joseGetItemP99Ms)} ms`,
        ],
        [
          "2",
          "bare consistent GetItem, same rounds: p50 / p99",
          `${fmt(m.getItemP50Ms)} / ${fmt(m.getItemP99Ms)} ms`,
        ],
        ["2", "DynamoDB reads per authorization with cache age 0", fmt(m.readsPerCall)],
        [
          "4",
          `token issue through the handler (${i.tokens} tokens): p50 / p99`,
          `${fmt(i.p50Ms)} / ${fmt(i.p99Ms)} ms`,
        ],
        [
          "4",
          "KMS calls per token",
          `${fmt(i.kmsCallsPerToken)}: Sign ${fmt(i.kmsSignPerToken)}, GetPublicKey ${i.kmsGetPublicKeyMeasured} (${i.kmsGetPublicKeyFirstToken} on the container's first token)`,
        ],
        ["4", "DynamoDB calls per token", perToken],
        [
          "5",
          `KMS calls: authorizer init / ${c.authorizationsPerWindow * c.windows} authorizations`,
          `${c.kmsCallsAtInit} / ${c.kmsCallsDuringAuthorizations}`,
        ],
        [
          "5",
          `DynamoDB reads per ${c.revocationCacheSeconds} s window (${c.grants} grants, ${c.authorizationsPerWindow} authorizations each window)`,
          c.dynamodbReadsPerWindow.join(", "),
        ],
      ],
    ),
    "",
    table(
      ["3. bundle", "raw", "gzip", `module load (median of ${cs.runsPerBundle})`, "vs reference", "CPU time"],
      cs.bundles.map((b) => [
        b.name,
        kb(b.rawBytes),
        kb(b.gzipBytes),
        `${fmt(b.loadMsMedian, 1)} ms`,
        ref === undefined ? "" : `${fmt(b.loadMsMedian / ref.loadMsMedian)} ×`,
        `${fmt(b.cpuMsMedian, 1)} ms`,
      ]),
    ),
    "",
    table(
      ["what the authorizer bundle holds beyond the reference", "authorizer", "reference", "difference"],
      beyondReference(
        cs.bundles.find((b) => b.name === cs.authorizer),
        ref,
      ),
    ),
    "",
    table(
      ["target", "measured", "result"],
      r.targets.map((t) => [t.target, t.measured, t.pass ? "pass" : "FAIL"]),
    ),
    "",
  );
  process.stdout.write(out.join("\n"));
}
