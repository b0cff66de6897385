import { createHash } from "node:crypto";
import { Aws, Duration, Fn, RemovalPolicy, Token, Validations } from "aws-cdk-lib";
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
  /**
   * Prefix of the Cognito domain `https://{prefix}.auth.{region}.amazoncognito.com` (unique per region).
   * Unused with an external issuer.
   */
  readonly domainPrefix: string;
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

/** Client ids of an external provider's console and CLI apps (the policy's `identity`). */
export interface SignInClientIds {
  readonly console: string;
  readonly cli: string;
}

/** Cognito domain prefixes: lowercase letters, digits and hyphens, not starting or ending with one. */
const DOMAIN_PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The identity provider of the JIT API. By default a Cognito user pool (administrator-created users only,
 * strong passwords, TOTP MFA required, deletion protection, retained) with one group per group the policy
 * names and a Cognito domain for its hosted sign-in pages; the app clients live in the console's stack
 * (infra/constructs/sign-in-clients.ts). When the policy's `identity` names an external OIDC `issuer`
 * (with its two client ids), nothing is created and that issuer is used instead.
 */
export class JitIdentity extends Construct {
  /** `iss` of accepted identity tokens. */
  readonly issuer: string;
  readonly groupsClaim: string;
  /** The policy's `identity.jwksUri`, overriding discovery. */
  readonly jwksUri: string | undefined;
  /** The external provider's client ids; `undefined` with Cognito (its clients are made elsewhere). */
  readonly externalClientIds: SignInClientIds | undefined;
  /** The Cognito user pool, when one is created. */
  readonly userPool: cognito.UserPool | undefined;
  /** Its domain (hosted sign-in, `/oauth2/authorize`, `/oauth2/token`), when a pool is created. */
  readonly userPoolDomain: cognito.UserPoolDomain | undefined;

  constructor(scope: Construct, id: string, props: JitIdentityProps) {
    super(scope, id);
    const { identity } = props.policy;
    this.groupsClaim = identity.groupsClaim;
    this.jwksUri = identity.jwksUri;
    if (identity.issuer !== undefined) {
      // The policy schema requires both client ids with an issuer; checked again so the types follow.
      if (identity.consoleClientId === undefined || identity.cliClientId === undefined) {
        throw new ConfigurationError(
          `Invalid policy configuration:\n  ${props.policySource}: identity.consoleClientId and identity.cliClientId ` +
            "are required when identity.issuer names an external OIDC provider",
        );
      }
      this.issuer = identity.issuer;
      this.externalClientIds = { console: identity.consoleClientId, cli: identity.cliClientId };
      this.userPool = undefined;
      this.userPoolDomain = undefined;
      return;
    }
    this.externalClientIds = undefined;

    const groups = policyGroups(props.policy);
    for (const group of groups) {
      if (!COGNITO_GROUP_NAME.test(group)) {
        throw new ConfigurationError(
          `Invalid policy configuration:\n  ${props.policySource}: group "${group}" cannot be a Cognito group ` +
            "name (1-128 characters, no spaces); rename it or use an external OIDC provider (identity.issuer)",
        );
      }
    }
    if (
      !Token.isUnresolved(props.domainPrefix) &&
      (!DOMAIN_PREFIX.test(props.domainPrefix) || /aws|amazon|cognito/.test(props.domainPrefix))
    ) {
      throw new ConfigurationError(
        `Cognito domain prefix "${props.domainPrefix}": use 1-63 lowercase letters, digits and hyphens (not at ` +
          'either end), without "aws", "amazon" or "cognito"',
      );
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
    this.userPoolDomain = pool.addDomain("Domain", { cognitoDomain: { domainPrefix: props.domainPrefix } });
    this.userPool = pool;
    // Cognito's `iss`: https://cognito-idp.<region>.amazonaws.com/<pool id> (the ProviderURL attribute
    // has no scheme, so the URL is built here).
    this.issuer = Fn.join("", [
      "https://cognito-idp.",
      Aws.REGION,
      ".",
      Aws.URL_SUFFIX,
      "/",
      pool.userPoolId,
    ]);
  }
}
