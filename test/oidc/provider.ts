import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import type { Provider as ProviderType } from 'oidc-provider';

/**
 * An OpenID Connect provider (oidc-provider) on 127.0.0.1 with an ephemeral port: one public client
 * using the authorization code flow with PKCE, rotating refresh tokens (issued for `offline_access`),
 * and JWT access tokens for one API, identified by the resource indicator {@link API_RESOURCE}; on
 * request, confidential clients for the client-credentials grant as well.
 */

export const API_RESOURCE = 'urn:example:api';
export const API_SCOPE = 'api:read';
export const CLIENT_ID = 'web-app';
/** Never requested: the login driver reads the code from the redirect's `Location`. */
export const REDIRECT_URI = 'http://127.0.0.1/callback';
export const ACCOUNT_ID = 'user-1';

/** One call of the token endpoint, as the provider reported it. */
export interface TokenRequest {
  readonly grantType: string;
  /** The refresh token presented, for `refresh_token` grants. */
  readonly refreshToken: string | undefined;
  /** `'ok'`, or the OAuth error it was answered with and the provider's detail (`'invalid_grant: refresh token already used'`). */
  readonly outcome: string;
}

export interface AuthServer {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint: string;
  readonly jwksUri: string;
  readonly provider: ProviderType;
  /** Every token request since the last `reset()`, in the order the provider finished them. */
  readonly tokenRequests: TokenRequest[];
  /** Grants the provider revoked (after a refresh token reuse, or a revocation). */
  readonly revokedGrants: string[];
  /** Errors the provider answered with `server_error`. */
  readonly serverErrors: Error[];
  /** Refresh tokens presented more than once: what the provider treats as reuse. */
  reusedRefreshTokens(): string[];
  /**
   * Holds the token endpoint's answers until `gate` settles (at most `maxWait` ms), as a slow token
   * endpoint would: every refresh a burst causes arrives while the first is still unanswered.
   */
  holdTokenRequestsUntil(gate: Promise<unknown>, maxWait?: number): void;
  reset(): void;
  stop(): Promise<void>;
}

/** Drops the provider's start-up notices (development adapter, Node.js version) from the test output. */
async function quietly<T>(task: () => Promise<T>): Promise<T> {
  const { info, warn } = console;
  const keep =
    (write: (...args: unknown[]) => void) =>
    (...args: unknown[]): void => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider ')) return;
      write(...args);
    };
  console.info = keep(info);
  console.warn = keep(warn);
  try {
    return await task();
  } finally {
    console.info = info;
    console.warn = warn;
  }
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

const close = (server: Server): Promise<void> =>
  new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });

/** The interaction route: logs {@link ACCOUNT_ID} in and grants everything the client asked for. */
async function interact(provider: ProviderType, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const interaction = await provider.interactionDetails(req, res);
  if (interaction.prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT_ID } }, { mergeWithLastSubmission: false });
    return;
  }
  if (interaction.prompt.name !== 'consent' || !interaction.session) {
    throw new Error(`unexpected interaction prompt ${interaction.prompt.name}`);
  }
  const grant =
    (interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined) ??
    new provider.Grant({ accountId: interaction.session.accountId, clientId: CLIENT_ID });
  grant.addOIDCScope('openid offline_access');
  grant.addResourceScope(API_RESOURCE, API_SCOPE);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** A confidential client for the client-credentials grant, authenticating with `client_secret_basic`. */
export interface ConfidentialClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface AuthServerOptions {
  /** Seconds an access token lives, for the public client's and the confidential clients' tokens alike. */
  readonly accessTokenTTL: 2 | 3;
  /**
   * Confidential clients to register: with any, the provider's `clientCredentials` feature is
   * enabled, and their tokens are JWTs for {@link API_RESOURCE}, as the public client's are.
   * @default [] (the feature stays off)
   */
  readonly confidentialClients?: readonly ConfidentialClient[] | undefined;
}

export async function startAuthServer(options: AuthServerOptions): Promise<AuthServer> {
  const confidentialClients = options.confidentialClients ?? [];
  const server = createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'signing-key', alg: 'RS256', use: 'sig' };

  const provider = await quietly(async () => {
    const { default: Provider } = await import('oidc-provider');
    const { createMemoryAdapter } = await import('oidc-provider/lib/adapters/memory_adapter.js');
    return new Provider(issuer, {
      adapter: createMemoryAdapter(),
      clients: [
        {
          client_id: CLIENT_ID,
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          redirect_uris: [REDIRECT_URI],
        },
        ...confidentialClients.map(({ clientId, clientSecret }) => ({
          client_id: clientId,
          client_secret: clientSecret,
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        })),
      ],
      jwks: { keys: [signingKey] },
      cookies: { keys: ['oidc-test-cookie-key'] },
      findAccount: (_ctx: unknown, accountId: string) => ({ accountId, claims: () => ({ sub: accountId }) }),
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      pkce: { required: () => true },
      rotateRefreshToken: true,
      ttl: {
        AccessToken: options.accessTokenTTL,
        ClientCredentials: options.accessTokenTTL,
        AuthorizationCode: 60,
        Grant: 600,
        IdToken: 60,
        Interaction: 60,
        RefreshToken: 600,
        Session: 600,
      },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: confidentialClients.length > 0 },
        revocation: {
          enabled: true,
          allowedPolicy: (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) =>
            token.clientId === client.clientId,
        },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => API_RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => {
            if (resource !== API_RESOURCE) throw new Error(`unknown resource ${resource}`);
            return {
              scope: API_SCOPE,
              audience: API_RESOURCE,
              accessTokenFormat: 'jwt',
              accessTokenTTL: options.accessTokenTTL,
            };
          },
        },
      },
    });
  });

  const tokenRequests: TokenRequest[] = [];
  const revokedGrants: string[] = [];
  const serverErrors: Error[] = [];
  const record = (params: Readonly<Record<string, unknown>> | undefined, outcome: string): void => {
    const grantType = typeof params?.grant_type === 'string' ? params.grant_type : '?';
    const presented = params?.refresh_token;
    tokenRequests.push({
      grantType,
      refreshToken: grantType === 'refresh_token' && typeof presented === 'string' ? presented : undefined,
      outcome,
    });
  };
  provider.on('grant.success', (ctx) => record(ctx.oidc?.params, 'ok'));
  provider.on('grant.error', (ctx, error) => record(ctx.oidc?.params, `${error.error}: ${error.error_detail ?? error.error_description ?? ''}`));
  provider.on('grant.revoked', (_ctx, grantId) => revokedGrants.push(grantId));
  provider.on('server_error', (_ctx, error) => serverErrors.push(error));

  // The in-memory store has no transactions: two refreshes with one token could both pass its
  // "consumed?" check. Token requests are handled one at a time, as a database lock would, so a
  // refresh token presented twice is always seen as reused, however the requests interleave.
  const handle = provider.callback();
  let tokenQueue: Promise<void> = Promise.resolve();
  let gate: Promise<unknown> = Promise.resolve();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (path.startsWith('/interaction/')) {
      interact(provider, req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    if (path === '/token' && req.method === 'POST') {
      const held = gate;
      const turn = tokenQueue.then(async () => {
        await held;
        const done = new Promise<void>((resolve) => res.once('close', resolve));
        await handle(req, res);
        await done;
      });
      tokenQueue = turn.catch(() => undefined);
      return;
    }
    void handle(req, res);
  });

  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    revocationEndpoint: `${issuer}/token/revocation`,
    jwksUri: `${issuer}/jwks`,
    provider,
    tokenRequests,
    revokedGrants,
    serverErrors,
    reusedRefreshTokens() {
      const seen = new Set<string>();
      const reused = new Set<string>();
      for (const { refreshToken } of tokenRequests) {
        if (refreshToken === undefined) continue;
        if (seen.has(refreshToken)) reused.add(refreshToken);
        seen.add(refreshToken);
      }
      return [...reused];
    },
    holdTokenRequestsUntil(until, maxWait = 2_000) {
      let timer: NodeJS.Timeout | undefined;
      gate = Promise.race([until, new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWait)))]).finally(() =>
        clearTimeout(timer),
      );
    },
    reset() {
      tokenRequests.length = 0;
      revokedGrants.length = 0;
      serverErrors.length = 0;
      gate = Promise.resolve();
    },
    stop: () => close(server),
  };
}
