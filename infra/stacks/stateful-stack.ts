import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as kms from "aws-cdk-lib/aws-kms";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import {
  AUDIT_TABLE,
  type KeyAttribute,
  NOTIFICATIONS_TABLE,
  REQUESTS_TABLE,
  type TableDefinition,
} from "#functions/adapters/dynamodb/table-definitions.js";
import { JitIdentity } from "../constructs/identity.js";
import type { DeploymentPolicy } from "../policy-file.js";

/** Properties of {@link JitAccessStatefulStack}. */
export interface JitAccessStatefulStackProps extends StackProps {
  readonly policy: DeploymentPolicy;
  /**
   * Generation of the signing key. Raising it creates a new key (the previous one is retained, never
   * deleted by CloudFormation) and points the alias at it: step one of a key rotation (README, "Rotating the signing key").
   * @default 1
   */
  readonly signingKeyGeneration?: number;
  /** @default "alias/<stack name>-signing" */
  readonly signingKeyAlias?: string;
  /** Cognito threat protection (Plus plan); see {@link JitIdentity}. @default false */
  readonly threatProtection?: boolean;
  /** Prefix of the Cognito domain (see {@link JitIdentity}). */
  readonly cognitoDomainPrefix: string;
}

/**
 * Everything that holds data or identity and must survive any redeploy: the Requests and Audit tables,
 * the token signing key and the identity provider. All retained on stack deletion; tables and user pool
 * also have deletion protection.
 */
export class JitAccessStatefulStack extends Stack {
  readonly requestsTable: dynamodb.Table;
  readonly auditTable: dynamodb.Table;
  /** The notifier's idempotency memory (deliveries and reminders already done). */
  readonly notificationsTable: dynamodb.Table;
  readonly signingKey: kms.Key;
  readonly signingKeyAlias: kms.Alias;
  /** The key sealing the JIT API's list cursors (docs/http-api.md, "Paging"), read by the list Lambda. */
  readonly cursorKeySecret: secretsmanager.Secret;
  readonly identity: JitIdentity;

  constructor(scope: Construct, id: string, props: JitAccessStatefulStackProps) {
    super(scope, id, props);
    this.requestsTable = tableFromDefinition(this, REQUESTS_TABLE);
    this.auditTable = tableFromDefinition(this, AUDIT_TABLE);
    this.notificationsTable = tableFromDefinition(this, NOTIFICATIONS_TABLE);

    const generation = props.signingKeyGeneration ?? 1;
    if (!Number.isInteger(generation) || generation < 1) {
      throw new Error(`signingKeyGeneration must be a whole number ≥ 1, got ${generation}`);
    }
    // A new construct id per generation makes CloudFormation create a new key; RETAIN keeps the old one
    // (still published through previousKeyArns until every token it signed has expired).
    this.signingKey = new kms.Key(this, generation === 1 ? "SigningKey" : `SigningKeyGen${generation}`, {
      description: `jit-access access token signing key (ES256), generation ${generation}`,
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A separate construct with a fixed id: on rotation the alias is updated in place to the new key.
    this.signingKeyAlias = new kms.Alias(this, "SigningKeyAlias", {
      aliasName: props.signingKeyAlias ?? `alias/${this.stackName}-signing`,
      targetKey: this.signingKey,
    });

    // 64 characters of [A-Za-z0-9] are valid base64url for 48 bytes: the HMAC-SHA256 key of list cursors
    // (functions/adapters/cursor/cursor-key-sources.ts). Retained like the tables: replacing it only ends
    // the cursors in flight, but a stack deletion should not take it.
    this.cursorKeySecret = new secretsmanager.Secret(this, "CursorKey", {
      description: "jit-access: HMAC-SHA256 key sealing the JIT API's list cursors (base64url)",
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.cursorKeySecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The cursor key only seals paging positions that live seconds to minutes; rotating it means " +
        "replacing the secret's value, which ends the cursors in flight and nothing else (docs/http-api.md).",
    });

    this.identity = new JitIdentity(this, "Identity", {
      policy: props.policy.policy,
      policySource: props.policy.sourcePath,
      domainPrefix: props.cognitoDomainPrefix,
      ...(props.threatProtection === undefined ? {} : { threatProtection: props.threatProtection }),
    });

    new CfnOutput(this, "RequestsTableName", { value: this.requestsTable.tableName });
    new CfnOutput(this, "AuditTableName", { value: this.auditTable.tableName });
    new CfnOutput(this, "SigningKeyArn", {
      value: this.signingKey.keyArn,
      description: "Current token signing key; list it in previousKeyArns when you rotate to a new one",
    });
    new CfnOutput(this, "SigningKeyAliasName", { value: this.signingKeyAlias.aliasName });
    new CfnOutput(this, "OidcIssuer", { value: this.identity.issuer });
    if (this.identity.userPool !== undefined && this.identity.userPoolDomain !== undefined) {
      new CfnOutput(this, "UserPoolId", { value: this.identity.userPool.userPoolId });
      new CfnOutput(this, "UserPoolDomainUrl", {
        value: this.identity.userPoolDomain.baseUrl(),
        description: "Cognito's hosted sign-in (authorization and token endpoints)",
      });
    }
  }
}

const ATTRIBUTE_TYPE = { S: dynamodb.AttributeType.STRING, N: dynamodb.AttributeType.NUMBER } as const;
const STREAM_VIEW = {
  NEW_AND_OLD_IMAGES: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
  NEW_IMAGE: dynamodb.StreamViewType.NEW_IMAGE,
  OLD_IMAGE: dynamodb.StreamViewType.OLD_IMAGE,
} as const;

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: ATTRIBUTE_TYPE[key.type] };
}

/**
 * Maps a shared table definition (functions/adapters/dynamodb/table-definitions.ts, also used by the local
 * stack) to a DynamoDB table: on-demand, point-in-time recovery, deletion protection, retained, TTL and
 * stream as defined.
 */
export function tableFromDefinition(scope: Construct, definition: TableDefinition): dynamodb.Table {
  const table = new dynamodb.Table(scope, `${definition.id}Table`, {
    partitionKey: attribute(definition.partitionKey),
    ...(definition.sortKey === undefined ? {} : { sortKey: attribute(definition.sortKey) }),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    ...(definition.ttlAttribute === undefined ? {} : { timeToLiveAttribute: definition.ttlAttribute }),
    ...(definition.stream === undefined ? {} : { stream: STREAM_VIEW[definition.stream] }),
  });
  for (const index of definition.globalSecondaryIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      ...(index.sortKey === undefined ? {} : { sortKey: attribute(index.sortKey) }),
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
  return table;
}
