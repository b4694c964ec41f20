import axios, { isAxiosError } from 'axios';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { attachRefreshInterceptor, isRefreshError } from '../src/index.js';
import type { LogoutEvent, RefreshContext, RefreshInterceptorHandle, RefreshInterceptorOptions, TokenSet } from '../src/index.js';
import { adapterWatching401 } from './helpers.js';
import { counter, expiryOf, outcomeOf, sleepUntil } from './oidc/client.js';
import { loginWithPkce } from './oidc/login.js';
import type { TokenResponse } from './oidc/login.js';
import { API_RESOURCE, CLIENT_ID, startAuthServer } from './oidc/provider.js';
import type { AuthServer } from './oidc/provider.js';
import { startResourceServer } from './oidc/resource-server.js';
import type { ResourceServer } from './oidc/resource-server.js';

// Integration tests against a real authorization server (oidc-provider) and an API that verifies its
// JWT access tokens, both on 127.0.0.1. Access tokens live 3 s: the tests wait for real expiry.

const BURST = 10;
const ACCESS_TOKEN_TTL = 3;

let authServer: AuthServer;
let resourceServer: ResourceServer;

beforeAll(async () => {
  authServer = await startAuthServer({ accessTokenTTL: ACCESS_TOKEN_TTL });
  resourceServer = await startResourceServer({
    issuer: authServer.issuer,
    jwksUri: authServer.jwksUri,
    audience: API_RESOURCE,
  });
});

afterAll(async () => {
  await resourceServer?.stop();
  await authServer?.stop();
});

beforeEach(() => {
  authServer.reset();
  resourceServer.reset();
});

const tokenClient = axios.create({ adapter: 'http' });

const refreshForm = (refreshToken: string): URLSearchParams =>
  new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID });

/** The `refresh` option: a form-encoded refresh_token grant at the provider's token endpoint. */
const refreshAtProvider =
  (options: { expiresAtFrom?: () => number } = {}) =>
  async ({ refreshToken, signal }: RefreshContext): Promise<TokenSet> => {
    const { data } = await tokenClient.post<TokenResponse>(authServer.tokenEndpoint, refreshForm(refreshToken ?? ''), {
      signal,
    });
    return {
      accessToken: data.access_token,
      refreshToken: data.refresh_token,
      ...(options.expiresAtFrom ? { expiresAt: options.expiresAtFrom() + data.expires_in * 1000 } : {}),
    };
  };

interface Client {
  readonly api: AxiosInstance;
  readonly auth: RefreshInterceptorHandle;
  readonly refreshCalls: RefreshContext[];
  readonly logouts: LogoutEvent[];
  /** `'401 <request id>'` for each 401 received and `'refreshed'` for each refresh, in order. */
  readonly timeline: string[];
  /** Resolves once the client has received `count` 401s. */
  unauthorized(count: number): Promise<void>;
}

/** An axios instance on the API with the interceptor attached, starting from `login`'s tokens. */
function connect(login: TokenResponse, options: Partial<RefreshInterceptorOptions> = {}): Client {
  const unauthorized = counter();
  const timeline: string[] = [];
  // Every 401 as the transport receives it, before the refresh logic sees it.
  const adapter = adapterWatching401((error) => {
    timeline.push(`401 ${String(error.config?.headers.get('X-Request-Id'))}`);
    unauthorized.tick();
  });
  const api = axios.create({ baseURL: resourceServer.url, adapter });
  const refreshCalls: RefreshContext[] = [];
  const logouts: LogoutEvent[] = [];
  const refresh = options.refresh ?? refreshAtProvider();
  const auth = attachRefreshInterceptor(api, {
    onLogout: (event) => {
      logouts.push(event);
    },
    ...options,
    tokens: { accessToken: login.access_token, refreshToken: login.refresh_token },
    refresh: (context) => {
      refreshCalls.push(context);
      return refresh(context);
    },
  });
  auth.subscribe((event) => {
    if (event.type === 'refreshed') timeline.push('refreshed');
  });
  return { api, auth, refreshCalls, logouts, timeline, unauthorized: (count) => unauthorized.reached(count) };
}

/** `BURST` parallel requests, each with its own `X-Request-Id`. */
const burst = (api: AxiosInstance): Promise<PromiseSettledResult<AxiosResponse<unknown>>[]> =>
  Promise.allSettled(
    Array.from({ length: BURST }, (_, index) => api.get(`/items/${index}`, { headers: { 'X-Request-Id': `r${index}` } })),
  );

const refreshRequests = () => authServer.tokenRequests.filter((request) => request.grantType === 'refresh_token');

/** Revokes `refreshToken` at the provider's revocation endpoint (RFC 7009), which revokes its grant. */
async function revoke(refreshToken: string): Promise<number> {
  const response = await tokenClient.post(
    authServer.revocationEndpoint,
    new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token', client_id: CLIENT_ID }),
  );
  return response.status;
}

describe('against oidc-provider with rotating refresh tokens and 3 s JWT access tokens', () => {
  test('answers a burst of 401s after expiry, one arriving after the refresh, with one refresh: all succeed, no refresh token is presented twice', async () => {
    const login = await loginWithPkce(authServer);
    // A client clock a minute behind the provider's: the expiry is learnt from the API's 401.
    const client = connect(login, { leeway: 0, now: () => Date.now() - 60_000 });
    const refreshed = new Promise<void>((resolve) => {
      client.auth.subscribe((event) => {
        if (event.type === 'refreshed') resolve();
      });
    });
    await sleepUntil(expiryOf(login.access_token) + 20);
    // Every 401 but the last arrives while the refresh is under way; the last, after it completed.
    authServer.holdTokenRequestsUntil(client.unauthorized(BURST - 1));
    resourceServer.holdRequest(`r${BURST - 1}`, refreshed);

    const results = await burst(client.api);

    expect(client.refreshCalls).toHaveLength(1);
    expect(results.map(outcomeOf)).toEqual(Array(BURST).fill(200));
    expect(client.timeline.slice(BURST - 1)).toEqual(['refreshed', `401 r${BURST - 1}`]);
    expect(refreshRequests()).toEqual([{ grantType: 'refresh_token', refreshToken: login.refresh_token, outcome: 'ok' }]);
    expect(authServer.reusedRefreshTokens()).toEqual([]);
    expect(authServer.revokedGrants).toEqual([]);
    expect(authServer.serverErrors).toEqual([]);

    const current = client.auth.getTokens();
    expect(current?.refreshToken).not.toBe(login.refresh_token);
    const refused = resourceServer.requests.filter((request) => request.status === 401);
    const accepted = resourceServer.requests.filter((request) => request.status === 200);
    expect(refused).toHaveLength(BURST);
    expect(refused.every((request) => request.token === login.access_token && request.refusal === 'expired')).toBe(true);
    expect(accepted.map((request) => request.id).sort()).toEqual(Array.from({ length: BURST }, (_, index) => `r${index}`).sort());
    expect(accepted.every((request) => request.token === current?.accessToken)).toBe(true);

    // The grant is intact: the rotated refresh token still works.
    await expect(client.auth.refresh({ force: true })).resolves.toMatchObject({ accessToken: expect.any(String) });
    expect(authServer.reusedRefreshTokens()).toEqual([]);
    expect(authServer.revokedGrants).toEqual([]);
  });

  test('refreshes once before sending a burst made within the leeway of expiry, so the API sees no expired token', async () => {
    const login = await loginWithPkce(authServer);
    const client = connect(login, { refresh: refreshAtProvider({ expiresAtFrom: Date.now }) });
    // The default leeway is capped at half the token's lifetime.
    await sleepUntil(expiryOf(login.access_token) - (ACCESS_TOKEN_TTL * 1000) / 2 + 20);

    const results = await burst(client.api);

    expect(client.refreshCalls).toHaveLength(1);
    expect(results.map(outcomeOf)).toEqual(Array(BURST).fill(200));
    expect(refreshRequests()).toEqual([{ grantType: 'refresh_token', refreshToken: login.refresh_token, outcome: 'ok' }]);
    expect(authServer.reusedRefreshTokens()).toEqual([]);
    expect(authServer.revokedGrants).toEqual([]);
    const current = client.auth.getTokens();
    expect(current?.expiresAt).toEqual(expect.any(Number));
    expect(resourceServer.requests).toHaveLength(BURST);
    expect(resourceServer.requests.every((request) => request.status === 200 && request.token === current?.accessToken)).toBe(
      true,
    );
  });

  test('ends the session once when the grant was revoked: every waiting request rejects with REFRESH_REJECTED', async () => {
    const login = await loginWithPkce(authServer);
    expect(await revoke(login.refresh_token)).toBe(200);
    expect(authServer.revokedGrants).toHaveLength(1);
    const client = connect(login);
    await sleepUntil(expiryOf(login.access_token) - (ACCESS_TOKEN_TTL * 1000) / 2 + 20);

    const results = await burst(client.api);

    expect(results.map(outcomeOf)).toEqual(Array(BURST).fill('REFRESH_REJECTED'));
    for (const result of results) {
      const cause = result.status === 'rejected' && isRefreshError(result.reason) ? result.reason.cause : undefined;
      // The cause is the token endpoint's answer.
      expect(isAxiosError<{ error?: string }>(cause) && [cause.response?.status, cause.response?.data?.error]).toEqual([
        400,
        'invalid_grant',
      ]);
    }
    expect(client.logouts).toHaveLength(1);
    expect(client.logouts[0]).toMatchObject({ reason: 'refresh-rejected', error: { code: 'REFRESH_REJECTED' } });
    expect(client.refreshCalls).toHaveLength(1);
    expect(refreshRequests()).toEqual([
      { grantType: 'refresh_token', refreshToken: login.refresh_token, outcome: expect.stringMatching(/^invalid_grant: /) },
    ]);
    expect(client.auth.getTokens()).toBeNull();
    expect(resourceServer.requests).toEqual([]);
  });

  test('ends the session once when its refresh token was already rotated elsewhere: the provider revokes the grant', async () => {
    const login = await loginWithPkce(authServer);
    // Another client of the same session rotates the refresh token first.
    const elsewhere = await tokenClient.post<TokenResponse>(authServer.tokenEndpoint, refreshForm(login.refresh_token));
    const client = connect(login);
    await sleepUntil(expiryOf(login.access_token) - (ACCESS_TOKEN_TTL * 1000) / 2 + 20);

    const results = await burst(client.api);

    expect(results.map(outcomeOf)).toEqual(Array(BURST).fill('REFRESH_REJECTED'));
    expect(client.logouts).toHaveLength(1);
    expect(client.logouts[0]).toMatchObject({ reason: 'refresh-rejected' });
    expect(client.refreshCalls).toHaveLength(1);
    expect(authServer.reusedRefreshTokens()).toEqual([login.refresh_token]);
    expect(authServer.revokedGrants).toHaveLength(1);
    expect(client.auth.getTokens()).toBeNull();
    // The whole grant is gone: the other client's new refresh token is refused as well.
    await expect(tokenClient.post(authServer.tokenEndpoint, refreshForm(elsewhere.data.refresh_token))).rejects.toMatchObject({
      response: { status: 400, data: { error: 'invalid_grant' } },
    });
  });

  // The control: the same burst through an interceptor written here that refreshes on every 401
  // independently. It shows that the provider and the checks above do detect a reused refresh token.
  test('a naive interceptor that refreshes on every 401 presents one refresh token many times and loses the session', async () => {
    const login = await loginWithPkce(authServer);
    let tokens = { accessToken: login.access_token, refreshToken: login.refresh_token };
    const api = axios.create({ baseURL: resourceServer.url, adapter: 'http' });
    const unauthorized = counter();
    const retried = new Set<string>();
    api.interceptors.request.use((config) => {
      config.headers.set('Authorization', `Bearer ${tokens.accessToken}`);
      return config;
    });
    api.interceptors.response.use(undefined, async (error: unknown) => {
      if (!isAxiosError(error) || error.response?.status !== 401 || !error.config) throw error;
      const id = String(error.config.headers.get('X-Request-Id'));
      if (retried.has(id)) throw error;
      retried.add(id);
      unauthorized.tick();
      const { data } = await tokenClient.post<TokenResponse>(authServer.tokenEndpoint, refreshForm(tokens.refreshToken));
      tokens = { accessToken: data.access_token, refreshToken: data.refresh_token };
      return api.request(error.config);
    });
    await sleepUntil(expiryOf(login.access_token) + 20);
    // Every 401 of the burst arrives within the first refresh's round trip.
    authServer.holdTokenRequestsUntil(unauthorized.reached(BURST));

    const results = await burst(api);

    const refreshes = refreshRequests();
    expect(refreshes).toHaveLength(BURST);
    expect(refreshes.filter((request) => request.outcome === 'ok')).toHaveLength(1);
    expect(refreshes.map((request) => request.outcome)).toContain('invalid_grant: refresh token already used');
    expect(authServer.reusedRefreshTokens()).toEqual([login.refresh_token]);
    expect(authServer.revokedGrants).toHaveLength(1);
    expect(results.map(outcomeOf)).toContain('HTTP 400');
    // The refresh token it kept belongs to the revoked grant: the user is logged out.
    await expect(tokenClient.post(authServer.tokenEndpoint, refreshForm(tokens.refreshToken))).rejects.toMatchObject({
      response: { status: 400, data: { error: 'invalid_grant' } },
    });
  });
});
