import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type * as logs from "aws-cdk-lib/aws-logs";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { JitFunction } from "./jit-function.js";

/** Properties of {@link ExpiryConsumer}. */
export interface ExpiryConsumerProps {
  /** The Requests table; must have a stream (NEW_AND_OLD_IMAGES, see table-definitions.ts). */
  readonly requestsTable: dynamodb.ITable;
  readonly auditTable: dynamodb.ITable;
  readonly logRetention: logs.RetentionDays;
  /** Folder of the handler files (tests only). @default functions/handlers */
  readonly handlersDir?: string;
}

/** Retries of a failing batch before its metadata goes to the on-failure queue. */
export const EXPIRY_RETRY_ATTEMPTS = 5;

/**
 * The expiry consumer: the Requests table stream (REMOVE records only, filtered by Lambda so INSERT and
 * MODIFY cost nothing) → expiry Lambda → Audit `EXPIRED`/`DELETED` events.
 *
 * Failure handling: the handler reports partial batch failures, a failing batch is bisected, retried a
 * bounded number of times, and then described in an encrypted SQS on-failure destination, so one bad
 * record can neither stall the shard nor be dropped silently.
 */
export class ExpiryConsumer extends Construct {
  readonly fn: JitFunction;
  readonly failures: sqs.Queue;
  readonly mapping: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: ExpiryConsumerProps) {
    super(scope, id);
    const streamArn = props.requestsTable.tableStreamArn;
    if (streamArn === undefined) throw new Error(`${this.node.path}: the Requests table has no stream`);

    this.fn = new JitFunction(this, "ExpiryConsumer", {
      handler: "expiry-consumer",
      description: "Requests stream → audit EXPIRED/DELETED events for removed requests",
      logRetention: props.logRetention,
      timeout: Duration.seconds(60),
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
    });
    this.fn.useAuditTable(props.auditTable, ["dynamodb:PutItem"]);
    // Stream read on this one stream. (Table.grantStreamRead does the same; it is done by hand here so the
    // statements are explicit.)
    this.fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
        resources: [streamArn],
      }),
    );
    // Lambda requires ListStreams to create the mapping, and ListStreams supports no resource-level
    // permission (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).
    this.fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["dynamodb:ListStreams"], resources: ["*"] }),
    );
    Validations.of(this.fn.role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "Besides X-Ray (see JitFunction), dynamodb:ListStreams, which Lambda needs for a stream event source " +
        "mapping, supports no resource-level permissions; it returns stream ARNs only, never data. Reading " +
        "records is limited to the Requests stream.",
    });

    this.failures = new sqs.Queue(this, "OnFailure", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.failures).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is itself the on-failure destination of the stream event source mapping (it receives " +
        "descriptions of batches that exhausted their retries); a dead-letter queue for it would be circular.",
    });

    this.mapping = new lambda.EventSourceMapping(this, "RequestsStream", {
      target: this.fn.function,
      eventSourceArn: streamArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 25,
      maxBatchingWindow: Duration.seconds(5),
      bisectBatchOnError: true,
      retryAttempts: EXPIRY_RETRY_ATTEMPTS,
      maxRecordAge: Duration.days(1),
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(this.failures),
      filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual("REMOVE") })],
    });
    // Lambda checks the role's stream permissions when the mapping is created.
    this.mapping.node.addDependency(this.fn.role);
  }
}
