/**
 * True when a DynamoDB write was refused because another change won: a failed condition
 * (`ConditionalCheckFailed`) or a concurrent transaction on the same item (`TransactionConflict`), alone
 * or as a `TransactionCanceledException` reason
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
 */
export function isTransactionLostRace(err: unknown): boolean {
  const e = err as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (e?.name === "ConditionalCheckFailedException" || e?.name === "TransactionConflictException")
    return true;
  if (e?.name !== "TransactionCanceledException") return false;
  return (e.CancellationReasons ?? []).some(
    (r) => r.Code === "ConditionalCheckFailed" || r.Code === "TransactionConflict",
  );
}
