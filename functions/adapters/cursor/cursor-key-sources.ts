import { readFile } from "node:fs/promises";
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { base64url } from "jose";
import { ConfigurationError } from "../../domain/errors.js";
import type { CursorKeySource } from "../../ports/cursor-key.js";
import { MIN_CURSOR_KEY_BYTES } from "./list-cursor.js";

/**
 * Reads a cursor key as text: base64url (RFC 4648 §5) of at least {@link MIN_CURSOR_KEY_BYTES} bytes,
 * surrounding white space ignored.
 * @throws ConfigurationError naming `where` (never the value).
 */
export function parseCursorKey(text: string, where: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(text.trim());
  } catch {
    throw new ConfigurationError(`The cursor key in ${where} is not base64url text.`);
  }
  if (bytes.length < MIN_CURSOR_KEY_BYTES) {
    throw new ConfigurationError(
      `The cursor key in ${where} has ${bytes.length} bytes; it needs at least ${MIN_CURSOR_KEY_BYTES}.`,
    );
  }
  return bytes;
}

/**
 * The cursor key from a Secrets Manager secret (created by the stateful stack; its `SecretString` is the
 * base64url key), read once per container. A failed read is not kept, so the next call retries; an outage
 * reaches the caller as the SDK client's 503 `unavailable` (adapters/aws/dependency-outage.ts).
 */
export class SecretsManagerCursorKey implements CursorKeySource {
  #key: Promise<Uint8Array> | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
  ) {}

  key(): Promise<Uint8Array> {
    this.#key ??= this.client.send(new GetSecretValueCommand({ SecretId: this.secretId })).then((out) => {
      if (out.SecretString === undefined) {
        throw new ConfigurationError(`The cursor key secret ${this.secretId} has no SecretString.`);
      }
      return parseCursorKey(out.SecretString, `secret ${this.secretId}`);
    });
    this.#key.catch(() => {
      this.#key = undefined;
    });
    return this.#key;
  }
}

/** The cursor key from a file (the local stack's data directory), read once. */
export class FileCursorKey implements CursorKeySource {
  #key: Promise<Uint8Array> | undefined;

  constructor(private readonly path: string) {}

  key(): Promise<Uint8Array> {
    this.#key ??= readFile(this.path, "utf8").then(
      (text) => parseCursorKey(text, this.path),
      (err: unknown) => {
        throw new ConfigurationError(`Cannot read the cursor key file ${this.path}.`, { cause: err });
      },
    );
    return this.#key;
  }
}
