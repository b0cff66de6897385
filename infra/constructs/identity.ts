import { createHash } from "node:crypto";
import { Aws, Duration, Fn, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import { Construct } from "constructs";
import { ConfigurationError } from "#functions/domain/errors.js";
import type { Policy } from "#functions/domain/policy.js";

/** What the identity authorizer of the JIT API needs (functions/config/environment.ts OIDC variables). */
export interface OidcSettings {
  /** `iss` of accepted identity tokens, compared exactly; keys come from its OpenID discovery document. */
  readonly issuer: string;
  /** Accepted `aud` values: the client ids of the console and the CLI. */
  readonly clientIds: readonly string[];
  /** Claim listing the caller's groups (`cognito:groups`, `groups`). */
  readonly groupsClaim: string;
  /** JWKS location overriding discovery (the policy's `identity.jwksUri`). */
  readonly jwksUri?: string;
}

/** Properties of {@link JitIdentity}. */
export interface JitIdentityProps {
  /** The validated policy: its `identity` section and the group names it uses. */
  readonly policy: Policy;
  /** Policy file path, for messages. */
  readonly policySource: string;
  /**
   * Cognito's Plus feature plan with full-function threat protection (adaptive authentication,
   * compromised-credential checks). Costs more per active user, hence opt-in.
   * @default false (Essentials plan)
   */
  readonly threatProtection?: boolean;
}

/** Cognito group names: 1-128 characters, no whitespace or control characters. */
const COGNITO_GROUP_NAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;

/**
 * Every group the policy names: requesters (`eligibleGroups`), approvers (`approverGroups`) and
 * administrators (`adminGroups`), sorted and without duplicates.
 */
export function policyGroups(policy: Policy): string[] {
  const groups = new Set<string>(policy.adminGroups);
  for (const e of policy.entitlements) {
    for (const g of [...e.eligibleGroups, ...e.approverGroups]) groups.add(g);
  }
  return [...groups].sort();
}

/**
 * The identity provider of the JIT API. By default a Cognito user pool (administrator-created users only,
 * strong passwords, TOTP MFA required, deletion protection, retained), with one group per group the policy
 * names and a public app client (no secret, SRP sign-in). When the policy's `identity` section names an
 * external OIDC `issuer` (with its `audience`), nothing is created and that issuer is used instead.
 */
export class JitIdentity extends Construct {
  readonly oidc: OidcSettings;
  /** The Cognito user pool, when one is created. */
  readonly userPool: cognito.UserPool | undefined;
  /** The Cognito app client whose id is the identity tokens' audience, when a pool is created. */
  readonly userPoolClient: cognito.UserPoolClient | undefined;

  constructor(scope: Construct, id: string, props: JitIdentityProps) {
    super(scope, id);
    const { identity } = props.policy;
    if (identity.issuer !== undefined) {
      // The policy schema requires both client ids with an issuer; checked again so the types follow.
      if (identity.consoleClientId === undefined || identity.cliClientId === undefined) {
        throw new ConfigurationError(
          `Invalid policy configuration:\n  ${props.policySource}: identity.consoleClientId and identity.cliClientId ` +
            "are required when identity.issuer names an external OIDC provider",
        );
      }
      this.oidc = {
        issuer: identity.issuer,
        clientIds: [identity.consoleClientId, identity.cliClientId],
        groupsClaim: identity.groupsClaim,
        ...(identity.jwksUri === undefined ? {} : { jwksUri: identity.jwksUri }),
      };
      this.userPool = undefined;
      this.userPoolClient = undefined;
      return;
    }

    const groups = policyGroups(props.policy);
    for (const group of groups) {
      if (!COGNITO_GROUP_NAME.test(group)) {
        throw new ConfigurationError(
          `Invalid policy configuration:\n  ${props.policySource}: group "${group}" cannot be a Cognito group ` +
            "name (1-128 characters, no spaces); rename it or use an external OIDC provider (identity.issuer)",
        );
      }
    }

    const threatProtection = props.threatProtection === true;
    const pool = new cognito.UserPool(this, "UserPool", {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: threatProtection ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      ...(threatProtection
        ? { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION }
        : {}),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (!threatProtection) {
      Validations.of(pool).acknowledge({
        id: "AwsSolutions-COG8",
        reason:
          "The Plus feature plan (threat protection) is opt-in because it is billed per active user; sign-in " +
          "already requires a strong password and TOTP MFA. Enable it with the threatProtection option.",
      });
    }
    for (const group of groups) {
      const digest = createHash("sha256").update(group).digest("hex").slice(0, 8);
      new cognito.CfnUserPoolGroup(this, `Group${group.replace(/[^A-Za-z0-9]/g, "")}${digest}`, {
        userPoolId: pool.userPoolId,
        groupName: group,
        description: "jit-access group named in the policy file",
      });
    }
    const client = pool.addClient("CliClient", {
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    this.userPool = pool;
    this.userPoolClient = client;
    this.oidc = {
      // Cognito's `iss`: https://cognito-idp.<region>.amazonaws.com/<pool id> (the ProviderURL attribute
      // has no scheme, so the URL is built here).
      issuer: Fn.join("", ["https://cognito-idp.", Aws.REGION, ".", Aws.URL_SUFFIX, "/", pool.userPoolId]),
      clientIds: [client.userPoolClientId],
      groupsClaim: identity.groupsClaim,
    };
  }
}
