import { Duration } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import { Construct } from "constructs";

/**
 * Port of the CLI's loopback redirect registered at Cognito: the default of `jit login --port`
 * (cli/commands/login.ts `DEFAULT_CALLBACK_PORT`). Cognito compares redirect URIs exactly, port included.
 */
export const DEFAULT_CLI_CALLBACK_PORT = 8400;
/** Path of both redirect URIs: the console's `/callback` page and the CLI's loopback listener. */
export const CALLBACK_PATH = "/callback";

/** Properties of {@link SignInClients}. */
export interface SignInClientsProps {
  readonly userPool: cognito.IUserPool;
  /** Origins of the console (`https://…`, no trailing slash): each gets exactly `{origin}/callback`. */
  readonly consoleOrigins: readonly string[];
  /** Port of the CLI's redirect `http://localhost:{port}/callback`. @default 8400 */
  readonly cliCallbackPort?: number;
}

/**
 * The two Cognito app clients of jit-access (docs/identity.md): the console and the CLI. Both are public
 * (no secret; PKCE protects the code), allow only the authorization code flow (never implicit), the
 * `openid` scope, Cognito's own sign-in, and exactly the redirect URIs they use: the console's `/callback`
 * and the CLI's `http://localhost:{port}/callback` (Cognito allows plain http only for `localhost`).
 * ID and access tokens live 1 hour, refresh tokens 12 hours and rotate on use, and can be revoked.
 */
export class SignInClients extends Construct {
  readonly consoleClient: cognito.UserPoolClient;
  readonly cliClient: cognito.UserPoolClient;
  readonly cliCallbackUrl: string;

  constructor(scope: Construct, id: string, props: SignInClientsProps) {
    super(scope, id);
    const port = props.cliCallbackPort ?? DEFAULT_CLI_CALLBACK_PORT;
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new Error(`cliCallbackPort must be a port number 1-65535, got ${port}`);
    }
    this.cliCallbackUrl = `http://localhost:${port}${CALLBACK_PATH}`;
    const common: cognito.UserPoolClientOptions = {
      generateSecret: false,
      // Only the hosted sign-in is used; SRP keeps the password off the wire for any direct API sign-in.
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [cognito.OAuthScope.OPENID],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      refreshTokenRotationGracePeriod: Duration.seconds(10),
    };
    // Created in this construct's stack (the console's), not the user pool's, so neither stack refers back.
    this.consoleClient = new cognito.UserPoolClient(this, "ConsoleClient", {
      ...common,
      userPool: props.userPool,
      userPoolClientName: "jit-access-console",
      oAuth: {
        ...common.oAuth,
        callbackUrls: props.consoleOrigins.map((origin) => `${origin}${CALLBACK_PATH}`),
      },
    });
    this.cliClient = new cognito.UserPoolClient(this, "CliClient", {
      ...common,
      userPool: props.userPool,
      userPoolClientName: "jit-access-cli",
      oAuth: { ...common.oAuth, callbackUrls: [this.cliCallbackUrl] },
    });
  }
}
