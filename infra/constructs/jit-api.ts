import { Aws, Duration, Fn, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as apigateway from "aws-cdk-lib/aws-apigateway";
import type * as acm from "aws-cdk-lib/aws-certificatemanager";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import {
  REQUESTS_BY_REQUESTER_INDEX,
  REQUESTS_PENDING_INDEX,
} from "#functions/adapters/dynamodb/table-definitions.js";
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
} from "#functions/adapters/http/cors.js";
import { JIT_API_ROUTES } from "#functions/adapters/http/jit-api-routes.js";
import { ENV } from "#functions/config/environment.js";
import type { DeploymentPolicy } from "../policy-file.js";
import type { OidcSettings } from "./identity.js";
import { type HandlerName, JitFunction } from "./jit-function.js";

/** A custom domain for the JIT API; the issuer becomes `https://<domainName>`. */
export interface JitApiDomain {
  readonly domainName: string;
  /** An ACM certificate for `domainName` in the API's region. */
  readonly certificate: acm.ICertificate;
}

/** Properties of {@link JitApi}. */
export interface JitApiProps {
  readonly policy: DeploymentPolicy;
  readonly requestsTable: dynamodb.ITable;
  readonly auditTable: dynamodb.ITable;
  /** ARN of the current signing key (issue Lambda signs with it). */
  readonly signingKeyArn: string;
  /** Secret holding the key that seals list cursors; only the list Lambda may read it. */
  readonly cursorKeySecretArn: string;
  /** ARNs of retired signing keys still published in the JWKS (rotation). @default none */
  readonly previousKeyArns?: readonly string[];
  /** How the identity authorizer verifies callers. */
  readonly identity: OidcSettings;
  /** @default "v1" */
  readonly stageName?: string;
  readonly domain?: JitApiDomain;
  readonly logRetention: logs.RetentionDays;
  /**
   * Create the account-level role API Gateway uses to write execution and access logs
   * (`AWS::ApiGateway::Account`, one per account and region). Turn off if the account already has one.
   * @default true
   */
  readonly createCloudWatchRole?: boolean;
  /** Folder of the handler files (tests only). @default functions/handlers */
  readonly handlersDir?: string;
  /**
   * Origin of the web console (`https://…`, no path): the one origin allowed cross-origin (CORS) on every
   * route, on the preflight and on API Gateway's own error responses. @default no CORS
   */
  readonly consoleOrigin?: string;
}

/** Problem-details bodies (RFC 9457, as functions/adapters/http/problem-details.ts) for API Gateway's own errors. */
const GATEWAY_PROBLEMS = [
  {
    type: apigateway.ResponseType.UNAUTHORIZED,
    status: 401,
    title: "Unauthorized",
    code: "unauthenticated",
    detail: "A valid identity token is required (Authorization: Bearer <token>).",
  },
  {
    type: apigateway.ResponseType.ACCESS_DENIED,
    status: 403,
    title: "Forbidden",
    code: "forbidden",
    detail: "This identity may not call this route.",
  },
  {
    type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: 404,
    title: "Not Found",
    code: "not_found",
    detail: "No such route. See the API reference for the routes of the JIT API.",
  },
] as const;

/**
 * The JIT API: a REST API with every route of docs/http-api.md, one Lambda per handler, the identity
 * authorizer in front of every non-public route, and the least privilege each handler needs.
 *
 * The issuer (`iss` of our tokens, JIT_ISSUER) is the API's base URL. It is built from the RestApi id,
 * region and stage name with Fn::Join rather than from `restApi.url`, which depends on the deployment and
 * thus on every method and Lambda: using it in a Lambda's environment would be a circular reference.
 */
export class JitApi extends Construct {
  readonly restApi: apigateway.RestApi;
  /** Token issuer URL, no trailing slash. */
  readonly issuer: string;
  /** `${issuer}/.well-known/jwks.json` */
  readonly jwksUrl: string;
  /** ARNs whose public keys are published and trusted: current first, then previous. */
  readonly publicKeyArns: readonly string[];
  readonly functions: ReadonlyMap<HandlerName, JitFunction>;
  readonly identityAuthorizer: apigateway.RequestAuthorizer;

  constructor(scope: Construct, id: string, props: JitApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? "v1";
    this.publicKeyArns = [props.signingKeyArn, ...(props.previousKeyArns ?? [])];

    const accessLogs = new logs.LogGroup(this, "AccessLogs", {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const cloudWatchRole = props.createCloudWatchRole ?? true;
    this.restApi = new apigateway.RestApi(this, "RestApi", {
      restApiName: `${Stack.of(this).stackName}-jit-api`,
      description: "jit-access: request, approve and obtain just-in-time access tokens",
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole,
      ...(cloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      disableExecuteApiEndpoint: props.domain !== undefined,
      ...(props.domain === undefined
        ? {}
        : {
            domainName: {
              domainName: props.domain.domainName,
              certificate: props.domain.certificate,
              securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
              endpointType: apigateway.EndpointType.REGIONAL,
            },
          }),
      deployOptions: {
        stageName,
        tracingEnabled: true,
        // ERROR only and no data trace: INFO-level execution logs and data traces can contain headers,
        // and the Authorization header is a bearer credential.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    if (cloudWatchRole) {
      const accountRole = this.restApi.node.tryFindChild("CloudWatchRole");
      if (accountRole !== undefined) {
        Validations.of(accountRole).acknowledge({
          id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
          reason:
            "The account-level API Gateway logging role uses the AWS managed policy documented for it " +
            "(https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html); it only " +
            "writes CloudWatch Logs and is assumable only by apigateway.amazonaws.com.",
        });
      }
    }

    this.issuer =
      props.domain === undefined
        ? Fn.join("", [
            "https://",
            this.restApi.restApiId,
            ".execute-api.",
            Aws.REGION,
            ".",
            Aws.URL_SUFFIX,
            `/${stageName}`,
          ])
        : `https://${props.domain.domainName}`;
    this.jwksUrl = Fn.join("", [this.issuer, "/.well-known/jwks.json"]);

    const functions = this.createFunctions(props);
    this.functions = functions;

    const identityFn = functions.get("identity-authorizer") as JitFunction;
    this.identityAuthorizer = new apigateway.RequestAuthorizer(this, "IdentityRequestAuthorizer", {
      handler: identityFn.handler,
      identitySources: [apigateway.IdentitySource.header("Authorization")],
      // No result caching: the authorizer's Allow covers the whole stage, and a cached Allow would outlive
      // the identity token's own `exp` by up to the TTL. Verification is local (cached JWKS), so it is cheap.
      resultsCacheTtl: Duration.seconds(0),
    });

    const validator = new apigateway.RequestValidator(this, "RequestValidator", {
      restApi: this.restApi,
      // Bodies are validated by the handlers (zod), which answer with problem details; API Gateway's own
      // validation failures would not. Parameters declared on methods (none required today) are checked.
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    const preflighted = new Set<string>();
    for (const route of JIT_API_ROUTES) {
      const fn = functions.get(route.handler) as JitFunction;
      const resource = this.restApi.root.resourceForPath(route.path);
      if (props.consoleOrigin !== undefined && !route.public && !preflighted.has(route.path)) {
        preflighted.add(route.path);
        this.addConsolePreflight(resource, props.consoleOrigin);
      }
      const method = resource.addMethod(
        route.method,
        new apigateway.LambdaIntegration(fn.handler, { proxy: true, allowTestInvoke: false }),
        route.public
          ? { authorizationType: apigateway.AuthorizationType.NONE, requestValidator: validator }
          : {
              authorizer: this.identityAuthorizer,
              authorizationType: apigateway.AuthorizationType.CUSTOM,
              requestValidator: validator,
            },
      );
      if (route.public) {
        Validations.of(method).acknowledge({
          id: "AwsSolutions-APIG4",
          reason:
            "Public by design: the JWKS and RFC 8414 metadata documents let any verifier check our tokens " +
            "(docs/tokens.md). They hold only public keys and URLs.",
        });
      }
      Validations.of(method).acknowledge({
        id: "AwsSolutions-COG4",
        reason: route.public
          ? "Public well-known document (see AwsSolutions-APIG4 acknowledgement): no authorizer of any kind."
          : "Callers are verified by the identity Lambda authorizer, which accepts Cognito or any configured " +
            "OIDC provider and passes { sub, groups } to the handlers; a Cognito-only authorizer could not.",
      });
    }

    // API Gateway's own answers carry the console's allow-origin too, or a browser sees an opaque failure
    // instead of the 401 that tells the console to sign in again.
    const corsHeaders: Record<string, string> =
      props.consoleOrigin === undefined
        ? {}
        : {
            "Access-Control-Allow-Origin": `'${props.consoleOrigin}'`,
            "Access-Control-Expose-Headers": `'${CORS_EXPOSE_HEADERS.join(", ")}'`,
            Vary: "'Origin'",
          };
    for (const problem of GATEWAY_PROBLEMS) {
      this.restApi.addGatewayResponse(`Problem${problem.status}`, {
        type: problem.type,
        statusCode: String(problem.status),
        responseHeaders: {
          "Content-Type": "'application/problem+json'",
          "Cache-Control": "'no-store'",
          ...corsHeaders,
        },
        templates: {
          "application/json": JSON.stringify({
            type: `https://github.com/jit-access/jit-access#error-${problem.code}`,
            title: problem.title,
            status: problem.status,
            detail: problem.detail,
            code: problem.code,
          }),
        },
      });
    }
    if (props.consoleOrigin !== undefined) {
      // Every other gateway answer (throttling 429, 413, 5xx, ...) keeps API Gateway's default body.
      for (const [name, type] of [
        ["Default4xx", apigateway.ResponseType.DEFAULT_4XX],
        ["Default5xx", apigateway.ResponseType.DEFAULT_5XX],
      ] as const) {
        this.restApi.addGatewayResponse(name, { type, responseHeaders: corsHeaders });
      }
    }
  }

  /**
   * The CORS preflight of one resource: an `OPTIONS` method with a mock integration answering 204 with
   * the console origin (fixed, so any other origin gets a non-matching value), methods and headers.
   * Browsers send preflights without credentials, hence no authorizer.
   */
  private addConsolePreflight(resource: apigateway.IResource, origin: string): void {
    const method = resource.addCorsPreflight({
      allowOrigins: [origin],
      allowMethods: [...CORS_ALLOW_METHODS],
      allowHeaders: [...CORS_ALLOW_HEADERS],
      maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
      statusCode: 204,
    });
    Validations.of(method).acknowledge({
      id: "AwsSolutions-APIG4",
      reason:
        "CORS preflight (OPTIONS): browsers send it without credentials by design (Fetch Standard); its mock " +
        "integration returns only the allowed origin, methods and headers and calls no function.",
    });
    Validations.of(method).acknowledge({
      id: "AwsSolutions-COG4",
      reason:
        "CORS preflight (OPTIONS): answered by a mock integration with fixed CORS headers; it reads no data and " +
        "cannot carry an identity token.",
    });
  }

  private createFunctions(props: JitApiProps): Map<HandlerName, JitFunction> {
    const { policy, requestsTable, auditTable } = props;
    const common = {
      logRetention: props.logRetention,
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
    };
    const fns = new Map<HandlerName, JitFunction>();
    const make = (handler: HandlerName, description: string, withPolicy: boolean) => {
      const fn = new JitFunction(this, pascal(handler), {
        handler,
        description,
        ...common,
        ...(withPolicy ? { policy } : {}),
      });
      fns.set(handler, fn);
      return fn;
    };

    // Workflow handlers read the policy and name both tables (StoreEnvironmentSchema), but each is granted
    // only the table actions its use case performs.
    // Every REST handler answers with the console's CORS headers (functions/adapters/http/cors.ts).
    const cors: Record<string, string> =
      props.consoleOrigin === undefined ? {} : { [ENV.consoleOrigin]: props.consoleOrigin };
    const workflow = (handler: HandlerName, description: string) => {
      const fn = make(handler, description, true);
      fn.setEnvironment(cors);
      fn.useRequestsTable(requestsTable, []);
      fn.useAuditTable(auditTable, []);
      return fn;
    };

    workflow("list-entitlements", "GET /entitlements: entitlements the caller may request");

    const create = workflow("create-request", "POST /requests: create an access request");
    // One TransactWriteItems: conditional Put of the request + Put of its audit events.
    create.useRequestsTable(requestsTable, ["dynamodb:PutItem"]);
    create.useAuditTable(auditTable, ["dynamodb:PutItem"]);

    const list = workflow("list-requests", "GET /requests?mine|pending|active|breakGlass: list requests");
    list.useRequestsTable(requestsTable, ["dynamodb:Query"], {
      queryIndexes: [REQUESTS_BY_REQUESTER_INDEX, REQUESTS_PENDING_INDEX],
    });
    // The key sealing `next` cursors, read once per container (ListEnvironmentSchema).
    list.setEnvironment({ [ENV.cursorKeySecret]: props.cursorKeySecretArn });
    list.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["secretsmanager:GetSecretValue"],
        resources: [props.cursorKeySecretArn],
      }),
    );

    const get = workflow("get-request", "GET /requests/{id}: one request");
    get.useRequestsTable(requestsTable, ["dynamodb:GetItem"]);

    const trail = workflow("get-audit-trail", "GET /requests/{id}/audit: a request's audit trail");
    trail.useRequestsTable(requestsTable, ["dynamodb:GetItem"]);
    trail.useAuditTable(auditTable, ["dynamodb:Query"]);

    for (const [handler, description] of [
      ["approve-request", "POST /requests/{id}/approve"],
      ["deny-request", "POST /requests/{id}/deny"],
      ["cancel-request", "POST /requests/{id}/cancel"],
      ["revoke-request", "POST /requests/{id}/revoke"],
      ["review-request", "POST /requests/{id}/review"],
    ] as const) {
      const fn = workflow(handler, `${description}: a state transition`);
      // Read the current version, then one TransactWriteItems: conditional Update + audit Put.
      fn.useRequestsTable(requestsTable, ["dynamodb:GetItem", "dynamodb:UpdateItem"]);
      fn.useAuditTable(auditTable, ["dynamodb:PutItem"]);
    }

    const extend = workflow("extend-request", "POST /requests/{id}/extend: extend an active grant");
    // Read the grant, then one TransactWriteItems: Put of the extension + audit Puts, and (self-served
    // extensions) the grant's conditional Update + its EXTENDED audit Put.
    extend.useRequestsTable(requestsTable, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
    extend.useAuditTable(auditTable, ["dynamodb:PutItem"]);

    const issue = make("issue-token", "POST /requests/{id}/token: sign an access token with KMS", true);
    // Read the grant, then one TransactWriteItems: conditional Update of the grant's latest-token time
    // (nothing else) + audit Put of TOKEN_ISSUED.
    issue.useRequestsTable(requestsTable, ["dynamodb:GetItem", "dynamodb:UpdateItem"]);
    issue.useAuditTable(auditTable, ["dynamodb:PutItem"]);
    issue.useSigningKey(props.signingKeyArn);
    issue.setEnvironment({ [ENV.issuer]: this.issuer, ...cors });

    const wellKnown = make("well-known", "GET /.well-known/*: JWKS and RFC 8414 metadata", false);
    wellKnown.usePublicKeys(this.publicKeyArns);
    wellKnown.setEnvironment({ [ENV.issuer]: this.issuer });

    const identity = make("identity-authorizer", "JIT API identity authorizer (OIDC ID tokens)", false);
    identity.setEnvironment({
      [ENV.oidcIssuer]: props.identity.issuer,
      [ENV.oidcClientIds]: Fn.join(",", [...props.identity.clientIds]),
      [ENV.oidcGroupsClaim]: props.identity.groupsClaim,
      ...(props.identity.jwksUri === undefined ? {} : { [ENV.oidcJwksUri]: props.identity.jwksUri }),
    });
    return fns;
  }
}

/** `approve-request` → `ApproveRequest` (construct ids). */
export function pascal(kebab: string): string {
  return kebab
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}
