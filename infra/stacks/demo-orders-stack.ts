import { CfnOutput, type Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as apigateway from "aws-cdk-lib/aws-apigateway";
import type { Construct } from "constructs";
import { DEMO_ORDERS_ROUTES } from "#local/demo-orders-routes.js";
import { type JitAccessReference, JitProtectedApi } from "../constructs/jit-authorizer.js";
import { acknowledgeNoWaf } from "../nag.js";

/** Properties of {@link DemoOrdersStack}. */
export interface DemoOrdersStackProps extends StackProps {
  readonly jit: JitAccessReference;
  /** Token `aud` of the orders API (as in config/example.yaml). @default "orders-api" */
  readonly audience?: string;
  readonly revocationBound: Duration;
  /** Folder of the handler files (tests only). @default functions/handlers */
  readonly handlersDir?: string;
}

/**
 * A small "orders" REST API protected by the JIT authorizer, as a platform team would protect its own API
 * (in its own stack, referencing the jit-access deployment). Integrations are mocks that echo who was let
 * in: the authorizer's context (`sub`, `scope`, request id) and the route.
 */
export class DemoOrdersStack extends Stack {
  readonly api: JitProtectedApi;

  constructor(scope: Construct, id: string, props: DemoOrdersStackProps) {
    super(scope, id, props);
    this.api = new JitProtectedApi(this, "OrdersApi", {
      restApiName: `${this.stackName}-orders`,
      description: "jit-access demo: an orders API protected by JIT access tokens",
      jit: props.jit,
      audience: props.audience ?? "orders-api",
      revocationBound: props.revocationBound,
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
    });
    acknowledgeNoWaf(this.api.restApi);

    const integration = new apigateway.MockIntegration({
      requestTemplates: { "application/json": '{ "statusCode": 200 }' },
      passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
      integrationResponses: [
        {
          statusCode: "200",
          responseTemplates: {
            "application/json": JSON.stringify({
              api: "orders (jit-access demo)",
              route: "$context.httpMethod $context.resourcePath",
              sub: "$util.escapeJavaScript($context.authorizer.sub)",
              scope: "$util.escapeJavaScript($context.authorizer.scope)",
              requestId: "$util.escapeJavaScript($context.authorizer.requestId)",
            }),
          },
        },
      ],
    });
    for (const route of DEMO_ORDERS_ROUTES) {
      this.api.restApi.root
        .resourceForPath(route.resource)
        .addMethod(route.method, integration, { methodResponses: [{ statusCode: "200" }] });
    }

    new CfnOutput(this, "OrdersApiUrl", { value: this.api.restApi.url });
    new CfnOutput(this, "OrdersAudience", { value: this.api.authorizer.audience });
    new CfnOutput(this, "RevocationBoundSeconds", { value: String(this.api.authorizer.budget.boundSeconds) });
  }
}
