import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
} from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import {
  AlreadyExistsException,
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  type KeySpec,
  KMSClient,
  NotFoundException,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { digestFor, KMS_ALGORITHMS, type KmsSigningAlgorithm, signDigest } from "./kms-signing.js";

/**
 * A KMS-compatible endpoint for development and tests (docs/local.md): AWS KMS has no emulator here, so
 * this small node:http server speaks the KMS JSON 1.1 protocol (`POST /`, `X-Amz-Target:
 * TrentService.<Operation>`, `Content-Type: application/x-amz-json-1.1`, blobs as base64, timestamps as
 * epoch seconds, errors as HTTP 400 `{"__type": "...Exception", "message": "..."}`) for the operations
 * jit-access uses: CreateKey, DescribeKey, ListKeys, GetPublicKey, Sign, CreateAlias, UpdateAlias,
 * DeleteAlias, ListAliases, ScheduleKeyDeletion. Keys are asymmetric signing keys only, made by
 * node:crypto; `Sign` follows KMS's `MessageType` rules exactly (DIGEST: the message is the digest and
 * must have the algorithm's digest length; RAW: it is hashed here) and refuses a signing algorithm the
 * key spec does not allow. SigV4 is checked for presence only: there are no real credentials locally.
 * Reference: AWS KMS API Reference (https://docs.aws.amazon.com/kms/latest/APIReference/).
 */

/** Fake account and region in every ARN. */
export const KMS_LOCAL_ACCOUNT = "000000000000";
export const KMS_LOCAL_REGION = "us-east-1";

/** Signing algorithms KMS allows for RSA key specs. */
const RSA_SIGNING_ALGORITHMS: readonly KmsSigningAlgorithm[] = [
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
];

/** The key specs this endpoint creates, with the signing algorithms KMS allows for each. */
const KEY_SPECS: Readonly<Record<string, readonly KmsSigningAlgorithm[]>> = {
  ECC_NIST_P256: ["ECDSA_SHA_256"],
  ECC_NIST_P384: ["ECDSA_SHA_384"],
  RSA_2048: RSA_SIGNING_ALGORITHMS,
  RSA_3072: RSA_SIGNING_ALGORITHMS,
  RSA_4096: RSA_SIGNING_ALGORITHMS,
};

/** Largest `Message` KMS accepts for `Sign`, bytes. */
const MAX_MESSAGE_BYTES = 4096;
/** Largest request body read, bytes (a 4 KiB message is under 6 KiB of JSON). */
const MAX_BODY_BYTES = 64 * 1024;
/** How many recent requests {@link KmsServer.requests} keeps. */
const REQUEST_LOG_LIMIT = 500;

/** KeyMetadata as KMS returns it (JSON form: CreationDate/DeletionDate are epoch seconds). */
interface KeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  CreationDate: number;
  Enabled: boolean;
  Description: string;
  KeyUsage: "SIGN_VERIFY";
  KeyState: "Enabled" | "PendingDeletion";
  DeletionDate?: number;
  Origin: "AWS_KMS";
  KeyManager: "CUSTOMER";
  CustomerMasterKeySpec: string;
  KeySpec: string;
  SigningAlgorithms: KmsSigningAlgorithm[];
  MultiRegion: false;
}

interface StoredKey {
  metadata: KeyMetadata;
  /** PKCS #8 PEM, as persisted. */
  privateKeyPem: string;
}

interface LoadedKey extends StoredKey {
  privateKey: KeyObject;
  /** SubjectPublicKeyInfo DER. */
  publicKeyDer: Buffer;
}

interface StoredAlias {
  AliasName: string;
  TargetKeyId: string;
  CreationDate: number;
}

/** One request as received (operation and its JSON input; blobs stay base64). */
export interface RecordedKmsRequest {
  operation: string;
  input: Record<string, unknown>;
}

/** A running KMS-compatible endpoint. */
export interface KmsServer {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  /** Closes the listener and open connections. Idempotent. */
  stop(): Promise<void>;
  /** How many requests of `operation` (e.g. `Sign`, `GetPublicKey`) were received, failed ones included. */
  callCount(operation: string): number;
  /** How many KMS operation requests were received in all, of any operation (failed ones included). */
  totalCallCount(): number;
  /** The most recent requests, oldest first (at most 500), for tests that check what a client sent. */
  readonly requests: readonly RecordedKmsRequest[];
}

/** A KMS error as the JSON protocol carries it; the SDK turns `__type` into its exception class. */
class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const validation = (field: string, constraint: string) =>
  new KmsError(
    "ValidationException",
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`,
  );

/**
 * Starts the endpoint on 127.0.0.1.
 * @param options.dataDir keep keys and aliases in this directory (`keys/<key id>.json` holding metadata and
 *   a PKCS #8 PEM, mode 0600; `aliases.json`), loaded on start; omit to keep them in memory only.
 * @param options.port a fixed port; omit for a free one.
 * @throws when the data directory holds a file that is not a key this endpoint wrote, or the port is taken.
 */
export async function startKmsServer(options: { dataDir?: string; port?: number } = {}): Promise<KmsServer> {
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  const store = new KeyStore(dataDir);
  const counts = new Map<string, number>();
  const requests: RecordedKmsRequest[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { __type: "KMSInternalException", message: String(err) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: string;
    try {
      body = await readBody(req);
    } catch (err) {
      return sendError(res, err);
    }
    try {
      const target = header(req, "x-amz-target");
      const operation = target?.startsWith("TrentService.")
        ? target.slice("TrentService.".length)
        : undefined;
      if (req.method !== "POST" || operation === undefined) {
        throw new KmsError(
          "UnknownOperationException",
          "Expected POST / with X-Amz-Target: TrentService.<Operation>.",
        );
      }
      counts.set(operation, (counts.get(operation) ?? 0) + 1);
      if (!(header(req, "authorization") ?? "").startsWith("AWS4-HMAC-SHA256 ")) {
        throw new KmsError("MissingAuthenticationTokenException", "Missing Authentication Token");
      }
      const contentType = header(req, "content-type") ?? "";
      if (!contentType.startsWith("application/x-amz-json-1.1")) {
        throw new KmsError("SerializationException", "Content-Type must be application/x-amz-json-1.1.");
      }
      let input: unknown;
      try {
        input = body === "" ? {} : JSON.parse(body);
      } catch {
        throw new KmsError("SerializationException", "The request body is not valid JSON.");
      }
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        throw new KmsError("SerializationException", "The request body must be a JSON object.");
      }
      const fields = input as Record<string, unknown>;
      requests.push({ operation, input: fields });
      if (requests.length > REQUEST_LOG_LIMIT) requests.shift();
      send(res, 200, dispatch(store, operation, fields));
    } catch (err) {
      sendError(res, err);
    }
  }

  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", fail);
      done();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    requests,
    callCount: (operation) => counts.get(operation) ?? 0,
    totalCallCount: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    stop() {
      stopped ??= new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

function dispatch(
  store: KeyStore,
  operation: string,
  input: Record<string, unknown>,
): Record<string, unknown> {
  switch (operation) {
    case "CreateKey":
      return { KeyMetadata: store.createKey(input) };
    case "DescribeKey":
      return { KeyMetadata: store.resolve(input.KeyId).metadata };
    case "ListKeys":
      return {
        Keys: store.keys().map((k) => ({ KeyId: k.metadata.KeyId, KeyArn: k.metadata.Arn })),
        Truncated: false,
      };
    case "GetPublicKey": {
      const key = usable(store.resolve(input.KeyId));
      return {
        KeyId: key.metadata.Arn,
        PublicKey: key.publicKeyDer.toString("base64"),
        CustomerMasterKeySpec: key.metadata.KeySpec,
        KeySpec: key.metadata.KeySpec,
        KeyUsage: key.metadata.KeyUsage,
        SigningAlgorithms: key.metadata.SigningAlgorithms,
      };
    }
    case "Sign":
      return sign(store, input);
    case "CreateAlias":
      store.createAlias(input.AliasName, input.TargetKeyId);
      return {};
    case "UpdateAlias":
      store.updateAlias(input.AliasName, input.TargetKeyId);
      return {};
    case "DeleteAlias":
      store.deleteAlias(input.AliasName);
      return {};
    case "ListAliases":
      return { Aliases: store.listAliases(input.KeyId), Truncated: false };
    case "ScheduleKeyDeletion":
      return store.scheduleDeletion(input.KeyId, input.PendingWindowInDays);
    default:
      throw new KmsError(
        "UnsupportedOperationException",
        `${operation} is outside what the local KMS-compatible endpoint serves: key, alias and signing operations only.`,
      );
  }
}

/** KMS `Sign` (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html). */
function sign(store: KeyStore, input: Record<string, unknown>): Record<string, unknown> {
  const key = usable(store.resolve(input.KeyId));
  const algorithm = input.SigningAlgorithm;
  if (typeof algorithm !== "string" || !(algorithm in KMS_ALGORITHMS)) {
    throw validation(
      "signingAlgorithm",
      `Member must satisfy enum value set: [${Object.keys(KMS_ALGORITHMS).join(", ")}]`,
    );
  }
  const spec = algorithm as KmsSigningAlgorithm;
  const messageType = input.MessageType ?? "RAW";
  if (messageType !== "RAW" && messageType !== "DIGEST") {
    throw validation("messageType", "Member must satisfy enum value set: [DIGEST, RAW]");
  }
  if (typeof input.Message !== "string" || !isBase64(input.Message)) {
    throw validation("message", "Member must be a base64-encoded blob");
  }
  const message = Buffer.from(input.Message, "base64");
  if (message.length < 1 || message.length > MAX_MESSAGE_BYTES) {
    throw validation("message", `Member must have length between 1 and ${MAX_MESSAGE_BYTES}`);
  }
  if (!key.metadata.SigningAlgorithms.includes(spec)) {
    throw new KmsError(
      "InvalidKeyUsageException",
      `You cannot use ${spec} with a ${key.metadata.KeySpec} key (${key.metadata.Arn}). ` +
        `Supported: ${key.metadata.SigningAlgorithms.join(", ")}.`,
    );
  }
  let digest: Buffer;
  if (messageType === "DIGEST") {
    if (message.length !== KMS_ALGORITHMS[spec].digestBytes) {
      throw new KmsError("ValidationException", `Digest is invalid length for algorithm ${spec}.`);
    }
    digest = message;
  } else {
    digest = digestFor(spec, message);
  }
  if (input.DryRun === true) {
    throw new KmsError(
      "DryRunOperationException",
      "The request would have succeeded, but the DryRun flag is set.",
    );
  }
  return {
    KeyId: key.metadata.Arn,
    Signature: signDigest(spec, digest, key.privateKey).toString("base64"),
    SigningAlgorithm: spec,
  };
}

function usable(key: LoadedKey): LoadedKey {
  if (key.metadata.KeyState !== "Enabled") {
    throw new KmsError("KMSInvalidStateException", `${key.metadata.Arn} is pending deletion.`);
  }
  return key;
}

/** Keys and aliases, in memory and (with a data directory) on disk. */
class KeyStore {
  private readonly byId = new Map<string, LoadedKey>();
  private readonly aliases = new Map<string, StoredAlias>();

  constructor(private readonly dataDir: string | undefined) {
    if (dataDir === undefined) return;
    mkdirSync(join(dataDir, "keys"), { recursive: true, mode: 0o700 });
    for (const file of readdirSync(join(dataDir, "keys"))) {
      if (!file.endsWith(".json")) continue;
      const path = join(dataDir, "keys", file);
      const stored = JSON.parse(readFileSync(path, "utf8")) as StoredKey;
      if (typeof stored?.metadata?.KeyId !== "string" || typeof stored.privateKeyPem !== "string") {
        throw new Error(`${path} is not a key written by the local KMS-compatible endpoint`);
      }
      this.byId.set(stored.metadata.KeyId, loadKey(stored));
    }
    try {
      const aliases = JSON.parse(readFileSync(join(dataDir, "aliases.json"), "utf8")) as StoredAlias[];
      for (const alias of aliases) this.aliases.set(alias.AliasName, alias);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }

  keys(): LoadedKey[] {
    return [...this.byId.values()];
  }

  createKey(input: Record<string, unknown>): KeyMetadata {
    const keySpec = (input.KeySpec ?? input.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT") as string;
    const algorithms = KEY_SPECS[keySpec];
    if (algorithms === undefined) {
      throw new KmsError(
        "UnsupportedOperationException",
        `KeySpec ${keySpec} is not supported here; this endpoint makes signing keys: ${Object.keys(KEY_SPECS).join(", ")}.`,
      );
    }
    if (input.KeyUsage !== "SIGN_VERIFY") {
      throw new KmsError(
        "ValidationException",
        `KeyUsage ${String(input.KeyUsage ?? "ENCRYPT_DECRYPT")} is not supported for ${keySpec} here; use SIGN_VERIFY.`,
      );
    }
    if (input.Origin !== undefined && input.Origin !== "AWS_KMS") {
      throw new KmsError("UnsupportedOperationException", `Origin ${String(input.Origin)} is not supported.`);
    }
    const { privateKey } = keySpec.startsWith("ECC_")
      ? generateKeyPairSync("ec", { namedCurve: keySpec === "ECC_NIST_P256" ? "P-256" : "P-384" })
      : generateKeyPairSync("rsa", { modulusLength: Number(keySpec.slice("RSA_".length)) });
    const keyId = randomUUID();
    const metadata: KeyMetadata = {
      AWSAccountId: KMS_LOCAL_ACCOUNT,
      KeyId: keyId,
      Arn: keyArn(keyId),
      CreationDate: Date.now() / 1000,
      Enabled: true,
      Description: typeof input.Description === "string" ? input.Description : "",
      KeyUsage: "SIGN_VERIFY",
      KeyState: "Enabled",
      Origin: "AWS_KMS",
      KeyManager: "CUSTOMER",
      CustomerMasterKeySpec: keySpec,
      KeySpec: keySpec,
      SigningAlgorithms: [...algorithms],
      MultiRegion: false,
    };
    const stored: StoredKey = {
      metadata,
      privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }) as string,
    };
    this.byId.set(keyId, loadKey(stored));
    this.persistKey(stored);
    return metadata;
  }

  /** Resolves a key id, key ARN, alias name or alias ARN, as KMS does for `KeyId`. */
  resolve(keyIdInput: unknown): LoadedKey {
    if (typeof keyIdInput !== "string" || keyIdInput.length === 0 || keyIdInput.length > 2048) {
      throw validation("keyId", "Member must have length between 1 and 2048");
    }
    const aliasName = aliasNameOf(keyIdInput);
    if (aliasName !== undefined) {
      const alias = this.aliases.get(aliasName);
      const key = alias === undefined ? undefined : this.byId.get(alias.TargetKeyId);
      if (key === undefined)
        throw new KmsError("NotFoundException", `Alias ${aliasArn(aliasName)} is not found.`);
      return key;
    }
    const keyId = keyIdInput.startsWith("arn:") ? keyIdFromArn(keyIdInput) : keyIdInput;
    const key = keyId === undefined ? undefined : this.byId.get(keyId);
    if (key === undefined) {
      throw new KmsError(
        "NotFoundException",
        `Key '${keyId === undefined ? keyIdInput : keyArn(keyId)}' does not exist`,
      );
    }
    return key;
  }

  createAlias(aliasName: unknown, targetKeyId: unknown): void {
    const name = checkAliasName(aliasName);
    if (this.aliases.has(name)) {
      throw new KmsError("AlreadyExistsException", `An alias with the name ${aliasArn(name)} already exists`);
    }
    const key = this.aliasTarget(targetKeyId);
    this.aliases.set(name, {
      AliasName: name,
      TargetKeyId: key.metadata.KeyId,
      CreationDate: Date.now() / 1000,
    });
    this.persistAliases();
  }

  updateAlias(aliasName: unknown, targetKeyId: unknown): void {
    const name = checkAliasName(aliasName);
    const alias = this.aliases.get(name);
    if (alias === undefined) throw new KmsError("NotFoundException", `Alias ${aliasArn(name)} is not found.`);
    alias.TargetKeyId = this.aliasTarget(targetKeyId).metadata.KeyId;
    this.persistAliases();
  }

  deleteAlias(aliasName: unknown): void {
    const name = checkAliasName(aliasName);
    if (!this.aliases.delete(name))
      throw new KmsError("NotFoundException", `Alias ${aliasArn(name)} is not found.`);
    this.persistAliases();
  }

  listAliases(keyIdInput: unknown): Record<string, unknown>[] {
    const keyId = keyIdInput === undefined ? undefined : this.resolve(keyIdInput).metadata.KeyId;
    return [...this.aliases.values()]
      .filter((a) => keyId === undefined || a.TargetKeyId === keyId)
      .map((a) => ({
        AliasName: a.AliasName,
        AliasArn: aliasArn(a.AliasName),
        TargetKeyId: a.TargetKeyId,
        CreationDate: a.CreationDate,
      }));
  }

  scheduleDeletion(keyIdInput: unknown, days: unknown): Record<string, unknown> {
    const key = this.resolve(keyIdInput);
    const window = days ?? 30;
    if (typeof window !== "number" || !Number.isInteger(window) || window < 7 || window > 30) {
      throw validation("pendingWindowInDays", "Member must have value between 7 and 30");
    }
    usable(key);
    key.metadata.KeyState = "PendingDeletion";
    key.metadata.Enabled = false;
    key.metadata.DeletionDate = Date.now() / 1000 + window * 86_400;
    this.persistKey(key);
    return {
      KeyId: key.metadata.Arn,
      DeletionDate: key.metadata.DeletionDate,
      KeyState: key.metadata.KeyState,
      PendingWindowInDays: window,
    };
  }

  /** An alias may point only at a key id or key ARN (not another alias), of a usable key. */
  private aliasTarget(targetKeyId: unknown): LoadedKey {
    if (typeof targetKeyId === "string" && aliasNameOf(targetKeyId) !== undefined) {
      throw new KmsError("ValidationException", "TargetKeyId must be a key id or key ARN, not an alias.");
    }
    return usable(this.resolve(targetKeyId));
  }

  private persistKey(stored: StoredKey): void {
    if (this.dataDir === undefined) return;
    const data: StoredKey = { metadata: stored.metadata, privateKeyPem: stored.privateKeyPem };
    writeAtomic(join(this.dataDir, "keys", `${stored.metadata.KeyId}.json`), JSON.stringify(data, null, 2));
  }

  private persistAliases(): void {
    if (this.dataDir === undefined) return;
    writeAtomic(join(this.dataDir, "aliases.json"), JSON.stringify([...this.aliases.values()], null, 2));
  }
}

function loadKey(stored: StoredKey): LoadedKey {
  const privateKey = createPrivateKey(stored.privateKeyPem);
  const publicKeyDer = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return { ...stored, privateKey, publicKeyDer };
}

function checkAliasName(aliasName: unknown): string {
  if (typeof aliasName !== "string" || !/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(aliasName)) {
    throw validation("aliasName", "Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$");
  }
  if (aliasName.startsWith("alias/aws/")) {
    throw new KmsError("NotAuthorizedException", "Aliases that begin with alias/aws/ are reserved.");
  }
  return aliasName;
}

/** `alias/x` or `arn:aws:kms:REGION:ACCOUNT:alias/x` → `alias/x`; anything else → undefined. */
function aliasNameOf(keyId: string): string | undefined {
  if (keyId.startsWith("alias/")) return keyId;
  const match = /^arn:aws:kms:[^:]*:[^:]*:(alias\/.+)$/.exec(keyId);
  return match?.[1];
}

function keyIdFromArn(arn: string): string | undefined {
  return /^arn:aws:kms:[^:]*:[^:]*:key\/(.+)$/.exec(arn)?.[1];
}

function keyArn(keyId: string): string {
  return `arn:aws:kms:${KMS_LOCAL_REGION}:${KMS_LOCAL_ACCOUNT}:key/${keyId}`;
}

function aliasArn(aliasName: string): string {
  return `arn:aws:kms:${KMS_LOCAL_REGION}:${KMS_LOCAL_ACCOUNT}:${aliasName}`;
}

function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        fail(
          new KmsError("SerializationException", `The request body is larger than ${MAX_BODY_BYTES} bytes.`),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
    req.on("error", fail);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.1",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomUUID(),
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof KmsError) send(res, err.status, { __type: err.type, message: err.message });
  else send(res, 500, { __type: "KMSInternalException", message: (err as Error)?.message ?? String(err) });
}

function writeAtomic(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, path);
}

/** The signing key of a local stack, as {@link ensureSigningKey} returns it. */
export interface LocalSigningKey {
  /** Key id (UUID). */
  keyId: string;
  /** Key ARN. */
  arn: string;
  /** The alias that names it, e.g. `alias/jit-access-signing`. */
  aliasName: string;
}

/**
 * Makes sure `aliasName` names a signing key on a KMS-compatible endpoint: returns the key it names, or
 * creates one (`SIGN_VERIFY`, `keySpec`, default `ECC_NIST_P256`) and the alias. Used by the local stack
 * on start, so a data directory keeps the same key (and `kid`) across restarts.
 * @param endpoint e.g. the `endpoint` of {@link startKmsServer}.
 * @param aliasName `alias/...`.
 * @throws SDK errors of the endpoint (e.g. ValidationException for a bad alias name).
 */
export async function ensureSigningKey(
  endpoint: string,
  aliasName: string,
  options: { keySpec?: KeySpec } = {},
): Promise<LocalSigningKey> {
  const client = new KMSClient({
    endpoint,
    region: KMS_LOCAL_REGION,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 2,
  });
  const describe = async (): Promise<LocalSigningKey | undefined> => {
    try {
      const out = await client.send(new DescribeKeyCommand({ KeyId: aliasName }));
      const { KeyId, Arn } = out.KeyMetadata ?? {};
      if (!KeyId || !Arn) throw new Error(`DescribeKey ${aliasName} returned no key metadata`);
      return { keyId: KeyId, arn: Arn, aliasName };
    } catch (err) {
      if (err instanceof NotFoundException) return undefined;
      throw err;
    }
  };
  try {
    const existing = await describe();
    if (existing) return existing;
    const created = await client.send(
      new CreateKeyCommand({
        KeySpec: options.keySpec ?? "ECC_NIST_P256",
        KeyUsage: "SIGN_VERIFY",
        Description: `jit-access token signing key (${aliasName})`,
      }),
    );
    const keyId = created.KeyMetadata?.KeyId;
    const arn = created.KeyMetadata?.Arn;
    if (!keyId || !arn) throw new Error("CreateKey returned no key metadata");
    try {
      await client.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
    } catch (err) {
      if (!(err instanceof AlreadyExistsException)) throw err;
      // Another starter won the race: use its key and retire ours.
      await client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
      const winner = await describe();
      if (winner) return winner;
      throw err;
    }
    return { keyId, arn, aliasName };
  } finally {
    client.destroy();
  }
}
