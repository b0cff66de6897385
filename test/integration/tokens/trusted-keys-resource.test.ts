import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importKeys } from "#functions/adapters/auth/access-token-verifier.js";
import { KmsPublicKeySource } from "#functions/adapters/kms/kms-public-key-source.js";
import { trustedKeysResourceDepsFromEnvironment } from "#functions/composition/trusted-keys.js";
import { ENV } from "#functions/config/environment.js";
import { parseTrustedJwks } from "#functions/config/trusted-jwks.js";
import { ConfigurationError } from "#functions/domain/errors.js";
import {
  createTrustedKeysResourceHandler,
  MAX_TRUSTED_JWKS_BYTES,
  type TrustedKeysResourceHandler,
} from "#functions/handlers/trusted-keys-resource.js";
import { publishJwks } from "#functions/use-cases/publish-keys.js";
import { silentLogger } from "#test/helpers/authorizer.js";
import { startTestKms, type TestKms } from "#test/helpers/kms.js";

let kms: TestKms;
let handler: TrustedKeysResourceHandler;
let current: string;
let previous: string;

/** A provider framework `onEvent` event, as CloudFormation sends it through aws-cdk-lib's framework. */
function lifecycleEvent(requestType: "Create" | "Update" | "Delete", keyArns: unknown): unknown {
  return {
    RequestType: requestType,
    ServiceToken: "arn:aws:lambda:us-east-1:111122223333:function:framework-onEvent",
    ResponseURL: "https://cloudformation-custom-resource-response.example/",
    StackId: "arn:aws:cloudformation:us-east-1:111122223333:stack/PlatformTeam/1",
    RequestId: "r-1",
    LogicalResourceId: "TrustedKeys",
    ResourceType: "Custom::JitTrustedKeys",
    ...(requestType === "Create" ? {} : { PhysicalResourceId: "jit-trusted-keys" }),
    ResourceProperties: { ServiceToken: "x", KeyArns: keyArns },
  };
}

beforeAll(async () => {
  kms = await startTestKms();
  ({ arn: current } = await kms.createSigningKey());
  ({ arn: previous } = await kms.createSigningKey("RSA_2048"));
  handler = createTrustedKeysResourceHandler(
    trustedKeysResourceDepsFromEnvironment({ [ENV.kmsEndpoint]: kms.server.endpoint }),
    silentLogger(),
  );
});

afterAll(async () => {
  await kms?.stop();
});

describe("trusted-keys custom resource (deploy-time GetPublicKey for JIT authorizers)", () => {
  it("returns, on Create and Update, the JWK Set the JIT API publishes, which the authorizer accepts", async () => {
    for (const requestType of ["Create", "Update"] as const) {
      const before = kms.server.callCount("GetPublicKey");
      const result = await handler(lifecycleEvent(requestType, [current, previous]));
      expect(kms.server.callCount("GetPublicKey") - before).toBe(2);
      expect(result.PhysicalResourceId).toBe("jit-trusted-keys");
      const jwks = result.Data?.Jwks as string;
      const published = await publishJwks(
        new KmsPublicKeySource({ client: kms.client, keyIds: [current, previous] }),
      );
      expect(JSON.parse(jwks)).toEqual(published);
      const keys = parseTrustedJwks(jwks, ENV.trustedJwks);
      expect(keys.map((k) => k.alg)).toEqual(["ES256", "RS256"]);
      expect((await importKeys(keys)).size).toBe(2);
    }
  });

  it("reads and changes nothing on Delete, and succeeds even with the properties a failed Create had", async () => {
    const before = kms.server.totalCallCount();
    for (const keyArns of [[current], [], undefined, "not-a-list"]) {
      expect(await handler(lifecycleEvent("Delete", keyArns))).toEqual({
        PhysicalResourceId: "jit-trusted-keys",
      });
    }
    expect(await handler({ RequestType: "Delete" })).toEqual({ PhysicalResourceId: "jit-trusted-keys" });
    expect(kms.server.totalCallCount()).toBe(before);
  });

  it("refuses a key set too large for a custom resource response or the Lambda environment", async () => {
    const many: string[] = [];
    for (let i = 0; i < 8; i++) many.push((await kms.createSigningKey("RSA_2048")).arn);
    const err = await handler(lifecycleEvent("Create", many)).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toMatch(
      new RegExp(`take \\d+ bytes as a JWK Set, more than ${MAX_TRUSTED_JWKS_BYTES}.*retire old keys`),
    );
    const fits = await handler(lifecycleEvent("Create", many.slice(0, 3)));
    expect(Buffer.byteLength(fits.Data?.Jwks ?? "")).toBeLessThanOrEqual(MAX_TRUSTED_JWKS_BYTES);
  });

  it("fails the deployment with the key's problem when a key cannot sign tokens", async () => {
    const { arn: p384 } = await kms.createSigningKey("ECC_NIST_P384");
    const err = await handler(lifecycleEvent("Create", [current, p384])).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toContain("has KeySpec ECC_NIST_P384; supported: ECC_NIST_P256");
    const unknown = current.replace(/key\/.*/, "key/00000000-0000-0000-0000-000000000000");
    await expect(handler(lifecycleEvent("Create", [unknown]))).rejects.toMatchObject({
      name: "NotFoundException",
    });
  });

  it.each([
    ["no key", []],
    ["a blank key ARN", ["  "]],
    ["a string, not a list", "arn:aws:kms:us-east-1:111122223333:key/x"],
    ["nothing", undefined],
  ])("refuses an event with %s, naming KeyArns", async (_name, keyArns) => {
    const err = await handler(lifecycleEvent("Create", keyArns)).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toContain("event: ResourceProperties.KeyArns");
  });

  it("refuses an unknown request type", async () => {
    const err = await handler({
      ...(lifecycleEvent("Create", [current]) as object),
      RequestType: "Patch",
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toContain("event: RequestType");
  });
});
