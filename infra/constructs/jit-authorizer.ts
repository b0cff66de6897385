import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as apigateway from "aws-cdk-lib/aws-apigateway";
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { ENV } from "#functions/config/environment.js";
import { ConfigurationError } from "#functions/domain/errors.js";
import type { DeploymentPolicy } from "../policy-file.js";
import { AuthorizerMetricFilters } from "./authorizer-metrics.js";
import { JitFunction } from "./jit-function.js";
import { TrustedKeys } from "./trusted-keys.js";

/** Largest result cache TTL API Gateway allows, and the largest grant cache the authorizer accepts. */
const MAX_CACHE_SECONDS = 3600;

/** The jit-access deployment a protected API trusts (outputs of the jit-access stacks). */
export interface JitAccessReference {
  /** `iss` of the access tokens: the JIT API base URL (stateless stack output `Issuer`). */
  readonly issuer: string;
  /** The Requests table (e.g. `Table.fromTableName(this, "Requests", "<RequestsTableName output>")`). */
  readonly requestsTable: dynamodb.ITable;
  /** Signing key ARNs whose tokens are accepted: the current key first, then previous ones (rotation). */
  readonly publicKeyArns: readonly string[];
  /** The same policy file the JIT API runs with (`loadDeploymentPolicy(path)`). */
  readonly policy: DeploymentPolicy;
}

/** Properties of {@link JitAuthorizer}. */
export interface JitAuthorizerProps {
  readonly jit: JitAccessReference;
  /** The `aud` this protected API accepts; must be the `audience` of at least one entitlement. */
  readonly audience: string;
  /**
   * The revocation bound: the longest time a revoked grant can still be honoured on this API. It is the
   * sum of API Gateway's authorizer result cache TTL and the authorizer's own grant cache
   * (`JIT_REVOCATION_CACHE_SECONDS`). Whole seconds, 0 (no caching at all) to 7200.
   */
  readonly revocationBound: Duration;
  /**
   * API Gateway's share of the bound (authorizer result cache TTL); the rest is the grant cache.
   * @default half the bound, rounded down
   */
  readonly resultsCacheTtl?: Duration;
  /** @default three months */
  readonly logRetention?: logs.RetentionDays;
  /** Folder of the handler files (tests only). @default functions/handlers */
  readonly handlersDir?: string;
}

/** How a revocation bound is split between the two caches, in seconds. */
export interface RevocationBudget {
  readonly boundSeconds: number;
  /** API Gateway authorizer result cache TTL. */
  readonly resultsCacheTtlSeconds: number;
  /** The authorizer's grant read cache (`JIT_REVOCATION_CACHE_SECONDS`). */
  readonly grantCacheSeconds: number;
}

/**
 * Splits a revocation bound into API Gateway's result cache TTL and the authorizer's grant cache so that
 * their sum is exactly the bound (ARCHITECTURE.md, flow 2).
 * @throws ConfigurationError when a value is not whole seconds or a share exceeds 3600 s.
 */
export function splitRevocationBound(bound: Duration, resultsCacheTtl?: Duration): RevocationBudget {
  const boundSeconds = wholeSeconds(bound, "revocationBound");
  if (boundSeconds > 2 * MAX_CACHE_SECONDS) {
    throw new ConfigurationError(
      `revocationBound: ${boundSeconds} s is more than ${2 * MAX_CACHE_SECONDS} s (two caches of at most ${MAX_CACHE_SECONDS} s each)`,
    );
  }
  const ttl =
    resultsCacheTtl === undefined
      ? Math.min(Math.floor(boundSeconds / 2), MAX_CACHE_SECONDS)
      : wholeSeconds(resultsCacheTtl, "resultsCacheTtl");
  if (ttl > boundSeconds) {
    throw new ConfigurationError(
      `resultsCacheTtl: ${ttl} s is longer than the revocationBound of ${boundSeconds} s`,
    );
  }
  if (ttl > MAX_CACHE_SECONDS) {
    throw new ConfigurationError(`resultsCacheTtl: ${ttl} s is more than API Gateway's maximum of 3600 s`);
  }
  const grant = boundSeconds - ttl;
  if (grant > MAX_CACHE_SECONDS) {
    throw new ConfigurationError(
      `revocationBound: the grant cache would be ${grant} s (bound ${boundSeconds} s − result cache ${ttl} s), ` +
        `more than ${MAX_CACHE_SECONDS} s; raise resultsCacheTtl`,
    );
  }
  return { boundSeconds, resultsCacheTtlSeconds: ttl, grantCacheSeconds: grant };
}

function wholeSeconds(d: Duration, name: string): number {
  const s = d.toSeconds({ integral: false });
  if (!Number.isInteger(s) || s < 0) {
    throw new ConfigurationError(`${name}: must be a whole, non-negative number of seconds, got ${s}`);
  }
  return s;
}

/**
 * The JIT authorizer for one protected API (one audience): a Lambda running functions/handlers/
 * jit-authorizer.ts, allowed to read grants (`dynamodb:GetItem` on the Requests table) and nothing more:
 * it never calls KMS. Its trusted public keys are read from KMS at deploy time by {@link TrustedKeys}
 * and given to it as `JIT_TRUSTED_JWKS`.
 *
 * Attach it to a REST API with {@link restAuthorizer} (a TOKEN authorizer) and/or to an HTTP API with
 * {@link httpAuthorizer} (simple responses). Both set the result cache TTL and the identity source
 * explicitly, from the revocation bound.
 */
export class JitAuthorizer extends Construct {
  readonly fn: JitFunction;
  /** The deploy-time reader of the trusted public keys (`JIT_TRUSTED_JWKS`). */
  readonly trustedKeys: TrustedKeys;
  readonly budget: RevocationBudget;
  readonly audience: string;
  private restAuthorizerInstance: apigateway.TokenAuthorizer | undefined;
  private httpAuthorizerInstance: HttpLambdaAuthorizer | undefined;

  constructor(scope: Construct, id: string, props: JitAuthorizerProps) {
    super(scope, id);
    const { jit } = props;
    if (!jit.policy.policy.entitlements.some((e) => e.audience === props.audience)) {
      throw new ConfigurationError(
        `${this.node.path}: audience "${props.audience}" is not the audience of any entitlement in ` +
          `${jit.policy.sourcePath}; this authorizer could never allow a call`,
      );
    }
    this.audience = props.audience;
    this.budget = splitRevocationBound(props.revocationBound, props.resultsCacheTtl);

    this.fn = new JitFunction(this, "Authorizer", {
      handler: "jit-authorizer",
      description: `jit-access authorizer for audience ${props.audience}`,
      policy: jit.policy,
      logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      timeout: Duration.seconds(5),
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
    });
    this.fn.useRequestsTable(jit.requestsTable, ["dynamodb:GetItem"]);
    this.trustedKeys = new TrustedKeys(this, "TrustedKeys", {
      keyArns: jit.publicKeyArns,
      logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
    });
    this.fn.setEnvironment({
      [ENV.trustedJwks]: this.trustedKeys.jwks,
      [ENV.issuer]: jit.issuer,
      [ENV.audience]: props.audience,
      [ENV.revocationCacheSeconds]: String(this.budget.grantCacheSeconds),
    });
    // Decisions, errors and init failures counted from its log lines (docs/operations.md).
    new AuthorizerMetricFilters(this, "Metrics", { logGroup: this.fn.logGroup });
  }

  /**
   * A REST API (v1) TOKEN authorizer reading `Authorization`. Its Allow policy lists every ARN the grant
   * allows on the API, so one cached result is correct for every route (ARCHITECTURE.md, flow 2, H11).
   * A TOKEN authorizer belongs to one REST API: use one JitAuthorizer per protected API.
   */
  get restAuthorizer(): apigateway.TokenAuthorizer {
    this.restAuthorizerInstance ??= new apigateway.TokenAuthorizer(this, "RestAuthorizer", {
      handler: this.fn.function,
      identitySource: apigateway.IdentitySource.header("Authorization"),
      resultsCacheTtl: Duration.seconds(this.budget.resultsCacheTtlSeconds),
    });
    return this.restAuthorizerInstance;
  }

  /**
   * An HTTP API (v2) Lambda authorizer with simple responses (`isAuthorized` boolean). A simple response
   * is for one route, so the cache key holds the method and path as well as the token.
   */
  get httpAuthorizer(): HttpLambdaAuthorizer {
    this.httpAuthorizerInstance ??= new HttpLambdaAuthorizer(
      `${this.node.id}HttpAuthorizer`,
      this.fn.function,
      {
        responseTypes: [HttpLambdaResponseType.SIMPLE],
        identitySource: ["$request.header.Authorization", "$context.httpMethod", "$context.path"],
        resultsCacheTtl: Duration.seconds(this.budget.resultsCacheTtlSeconds),
      },
    );
    return this.httpAuthorizerInstance;
  }
}

/** Properties of {@link JitProtectedApi}. */
export interface JitProtectedApiProps extends Omit<JitAuthorizerProps, "logRetention"> {
  /** Name of the REST API. */
  readonly restApiName: string;
  readonly description?: string;
  /** @default "v1" */
  readonly stageName?: string;
  /** @default three months */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A REST API whose every method is behind a {@link JitAuthorizer} by default, with access logs, error
 * execution logs, X-Ray tracing, throttling and a request validator. Add resources and methods to
 * `restApi` as usual. The account's API Gateway CloudWatch Logs role must exist (the jit-access stateless
 * stack creates it by default).
 */
export class JitProtectedApi extends Construct {
  readonly authorizer: JitAuthorizer;
  readonly restApi: apigateway.RestApi;

  constructor(scope: Construct, id: string, props: JitProtectedApiProps) {
    super(scope, id);
    const retention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    this.authorizer = new JitAuthorizer(this, "JitAuthorizer", { ...props, logRetention: retention });
    const accessLogs = new logs.LogGroup(this, "AccessLogs", {
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.restApi = new apigateway.RestApi(this, "RestApi", {
      restApiName: props.restApiName,
      ...(props.description === undefined ? {} : { description: props.description }),
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: false,
      deployOptions: {
        stageName: props.stageName ?? "v1",
        tracingEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: 100,
        throttlingBurstLimit: 200,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
      defaultMethodOptions: {
        authorizer: this.authorizer.restAuthorizer,
        authorizationType: apigateway.AuthorizationType.CUSTOM,
      },
    });
    // H26: API Gateway keeps serving a stage's authorizer settings until the stage gets a new deployment,
    // and CDK hashes them into the Deployment's logical id only under a feature flag
    // (`@aws-cdk/aws-apigateway:authorizerChangeDeploymentLogicalId`). Hashing them here makes a new
    // result cache TTL or authorizer function redeploy the stage in any app, flag or not.
    this.restApi.latestDeployment?.addToLogicalId({
      jitAuthorizer: {
        resultsCacheTtlSeconds: this.authorizer.budget.resultsCacheTtlSeconds,
        functionArn: this.authorizer.fn.function.functionArn,
      },
    });
    this.restApi.addRequestValidator("RequestValidator", {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    Validations.of(this.restApi).acknowledge({
      id: "AwsSolutions-COG4",
      reason:
        "Methods are protected by the jit-access Lambda authorizer, which verifies KMS-signed JIT access " +
        "tokens and the grant behind them; a Cognito user pool authorizer cannot check grants or revocation.",
    });
  }
}
