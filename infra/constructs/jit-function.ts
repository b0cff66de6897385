import { copyFileSync, cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { HandlerName } from "#functions/adapters/http/jit-api-routes.js";
import { ENV } from "#functions/config/environment.js";
import { HANDLERS_DIR, nodejsBundlingOptions, PROJECT_ROOT, SOURCE_MAPS_NODE_OPTIONS } from "../bundling.js";
import { BUNDLED_POLICY_NAME, type DeploymentPolicy, LAMBDA_POLICY_FILE } from "../policy-file.js";

export type { HandlerName } from "#functions/adapters/http/jit-api-routes.js";

/**
 * Folder of prebuilt handler bundles (`<dir>/<handler>/index.mjs`, built by scripts/build-constructs.mjs),
 * set only by the construct package's entry (infra/constructs-package.ts). Unset in this repository,
 * where every function is bundled from source by esbuild at synth.
 */
let prebuiltBundlesDir: string | undefined;

/**
 * Makes every {@link JitFunction} (without `handlersDir`) deploy the prebuilt bundle of its handler from
 * `dir` instead of bundling it from source, so an app that uses the construct package needs neither
 * esbuild nor Docker.
 */
export function usePrebuiltBundles(dir: string): void {
  prebuiltBundlesDir = dir;
}

/** The Lambda runtime of every function: the newest Node.js Lambda offers (nodejs20.x is deprecated). */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Requests table actions a function may be granted (no Delete, no Batch, no Scan, no PartiQL). */
export type RequestsTableAction =
  | "dynamodb:GetItem"
  | "dynamodb:Query"
  | "dynamodb:PutItem"
  | "dynamodb:UpdateItem"
  | "dynamodb:ConditionCheckItem";

/**
 * Audit table actions a function may be granted. The Audit table is append-only: the type has no
 * UpdateItem, DeleteItem or BatchWriteItem, so no function can be given them through this construct.
 */
export type AuditTableAction = "dynamodb:PutItem" | "dynamodb:Query";

/** Properties of {@link JitFunction}. */
export interface JitFunctionProps {
  /** Which handler file this function runs. */
  readonly handler: HandlerName;
  readonly description: string;
  /** When given, the validated policy is bundled as `policy.json` and `JIT_POLICY_FILE` points at it. */
  readonly policy?: DeploymentPolicy;
  /** Environment variables beyond those set by the `use…` helpers (names from `ENV`). */
  readonly environment?: Record<string, string>;
  /** Log retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** @default 512 MiB (arm64; CPU scales with memory, which shortens cold starts) */
  readonly memorySize?: number;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  /** Folder of the handler files. @default functions/handlers of this repository */
  readonly handlersDir?: string;
}

/**
 * One jit-access Lambda with the project's defaults in one place: Node.js 24 on arm64, bundled by the
 * project's esbuild (never Docker) with source maps, X-Ray active tracing, its own log group with
 * retention, and its own role that starts with nothing but writing to that log group.
 *
 * Access is added only through the `use…` helpers, each of which sets the environment variable the
 * handler reads (functions/config/environment.ts `ENV`) together with the exact IAM actions on the exact
 * resources that go with it, so configuration and permission cannot drift apart.
 */
export class JitFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: JitFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetention,
      // Authorizer and audit-relevant logs outlive the stack: deleting it must not delete the evidence.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `jit-access ${props.handler} Lambda`,
    });
    // Instead of the AWS managed AWSLambdaBasicExecutionRole (logs on every log group): this one group.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const environment: Record<string, string> = {
      NODE_OPTIONS: SOURCE_MAPS_NODE_OPTIONS,
      ...props.environment,
    };
    const policyJson = props.policy?.bundledJsonPath;
    if (props.policy !== undefined) environment[ENV.policyFile] = LAMBDA_POLICY_FILE;

    const settings = {
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      environment,
    };
    this.function =
      prebuiltBundlesDir !== undefined && props.handlersDir === undefined
        ? new lambda.Function(this, "Function", {
            ...settings,
            handler: "index.handler",
            code: lambda.Code.fromAsset(prebuiltBundle(prebuiltBundlesDir, props.handler, policyJson)),
          })
        : this.bundledFromSource(props, settings, policyJson);

    Validations.of(this.role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level " +
        "permissions (https://docs.aws.amazon.com/xray/latest/devguide/security_iam_service-with-iam.html), " +
        "so CDK grants them on *. These are the only actions on *.",
    });
  }

  /** The handler bundled from source by esbuild at synth (this repository). */
  private bundledFromSource(
    props: JitFunctionProps,
    settings: Omit<lambda.FunctionProps, "code" | "handler">,
    policyJson: string | undefined,
  ): lambda.Function {
    return new NodejsFunction(this, "Function", {
      ...settings,
      entry: join(props.handlersDir ?? HANDLERS_DIR, `${props.handler}.ts`),
      handler: "handler",
      awsSdkConnectionReuse: false,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, "package-lock.json"),
      bundling: nodejsBundlingOptions(
        policyJson === undefined
          ? undefined
          : {
              beforeBundling: () => [],
              beforeInstall: () => [],
              // Node rather than `cp`, so the copy also works where the shell is not POSIX.
              afterBundling: (_inputDir, outputDir) => [
                `node -e "require('node:fs').copyFileSync(process.argv[1], process.argv[2])" "${policyJson}" "${join(outputDir, BUNDLED_POLICY_NAME)}"`,
              ],
            },
      ),
    });
  }

  /** The function's ARN-bearing handle, for integrations and authorizers. */
  get handler(): lambda.IFunction {
    return this.function;
  }

  /** Sets plain environment variables (names from `ENV`) that need no permission. */
  setEnvironment(variables: Record<string, string>): void {
    for (const [name, value] of Object.entries(variables)) this.function.addEnvironment(name, value);
  }

  /**
   * Sets `JIT_REQUESTS_TABLE` and grants exactly `actions` on the Requests table; `Query` is granted on the
   * named indexes only (the table is never queried by its key, that is GetItem).
   * `TransactWriteItems` has no IAM action of its own: each `Put`/`Update`/`ConditionCheck` inside it is
   * authorized as PutItem/UpdateItem/ConditionCheckItem
   * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
   */
  useRequestsTable(
    table: dynamodb.ITable,
    actions: readonly RequestsTableAction[],
    options: { queryIndexes?: readonly string[] } = {},
  ): void {
    this.function.addEnvironment(ENV.requestsTable, table.tableName);
    this.grantTable(table, actions, options.queryIndexes ?? []);
  }

  /** Sets `JIT_AUDIT_TABLE` and grants exactly `actions` (PutItem and/or Query) on the Audit table. */
  useAuditTable(table: dynamodb.ITable, actions: readonly AuditTableAction[]): void {
    this.function.addEnvironment(ENV.auditTable, table.tableName);
    this.grantTable(table, actions, []);
  }

  /**
   * Sets `JIT_SIGNING_KEY_ID` and grants `kms:Sign` on that key, plus `kms:GetPublicKey` (the issuer checks
   * each signature with the public key before returning a token, docs/tokens.md). Only the issue Lambda calls
   * this.
   */
  useSigningKey(keyArn: string): void {
    this.function.addEnvironment(ENV.signingKeyId, keyArn);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["kms:Sign", "kms:GetPublicKey"], resources: [keyArn] }),
    );
  }

  /**
   * Sets `JIT_PUBLIC_KEY_IDS` (current key first, then previous ones) and grants `kms:GetPublicKey` on
   * exactly those keys.
   */
  usePublicKeys(keyArns: readonly string[]): void {
    this.grantGetPublicKey(keyArns);
    this.function.addEnvironment(ENV.publicKeyIds, keyArns.join(","));
  }

  /**
   * Grants `kms:GetPublicKey` on exactly `keyArns`, setting no variable: for a function that is told its
   * keys per event (the trusted-keys resource).
   */
  grantGetPublicKey(keyArns: readonly string[]): void {
    if (keyArns.length === 0) throw new Error(`${this.node.path}: at least one public key ARN is required`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["kms:GetPublicKey"], resources: [...keyArns] }),
    );
  }

  private grantTable(table: dynamodb.ITable, actions: readonly string[], queryIndexes: readonly string[]) {
    const itemActions = actions.filter((a) => a !== "dynamodb:Query");
    if (itemActions.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...itemActions], resources: [table.tableArn] }),
      );
    }
    if (actions.includes("dynamodb:Query")) {
      const resources =
        queryIndexes.length === 0
          ? [table.tableArn]
          : queryIndexes.map((index) => `${table.tableArn}/index/${index}`);
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["dynamodb:Query"], resources }));
    }
  }
}

/**
 * The folder to deploy for a prebuilt handler: the package's bundle folder itself, or, when the function
 * reads the policy, a staged copy of it with the validated policy beside the bundle.
 */
function prebuiltBundle(dir: string, handler: HandlerName, policyJson: string | undefined): string {
  const bundle = join(dir, handler);
  if (policyJson === undefined) return bundle;
  const staged = mkdtempSync(join(tmpdir(), `jit-${handler}-`));
  cpSync(bundle, staged, { recursive: true });
  copyFileSync(policyJson, join(staged, BUNDLED_POLICY_NAME));
  return staged;
}
