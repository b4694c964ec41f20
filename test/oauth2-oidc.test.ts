import { inspect } from 'node:util';
import axios, { isAxiosError } from 'axios';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { attachRefreshInterceptor, isRefreshError } from '../src/index.js';
import type { LogoutEvent, RefreshContext, RefreshInterceptorOptions, TokenSet } from '../src/index.js';
import { oauth2ClientCredentials, oauth2Refresh } from '../src/oauth2.js';
import { adapterWatching401 } from './helpers.js';
import { counter, expiryOf, outcomeOf, sleepUntil } from './oidc/client.js';
import { loginWithPkce } from './oidc/login.js';
import { API_RESOURCE, API_SCOPE, CLIENT_ID, startAuthServer } from './oidc/provider.js';
import type { AuthServer } from './oidc/provider.js';
import { startResourceServer } from './oidc/resource-server.js';
import type { ResourceServer } from './oidc/resource-server.js';

// The OAuth 2.0 presets against a real authorization server (oidc-provider) and APIs that verify its
// JWT access tokens, all on 127.0.0.1. Access tokens live 2 s: the tests wait for real expiry.

const BURST = 10;
const ACCESS_TOKEN_TTL = 2;
/** A confidential client of the first provider; its identifier and secret need RFC 6749 §2.3.1 encoding. */
const REPORTS = { clientId: 'reports:svc', clientSecret: 'p@ss w:rd%+1' } as const;
/** A confidential client of the second provider. */
const BILLING = { clientId: 'billing-svc', clientSecret: 'billing-secret-2' } as const;

let authServer: AuthServer;
let resourceServer: ResourceServer;
/** A second authorization server with an API of its own: the other token endpoint of a Node service. */
let otherAuthServer: AuthServer;
let otherResourceServer: ResourceServer;

beforeAll(async () => {
  [authServer, otherAuthServer] = await Promise.all([
    startAuthServer({ accessTokenTTL: ACCESS_TOKEN_TTL, confidentialClients: [REPORTS] }),
    startAuthServer({ accessTokenTTL: ACCESS_TOKEN_TTL, confidentialClients: [BILLING] }),
  ]);
  const apiOf = (server: AuthServer): Promise<ResourceServer> =>
    startResourceServer({ issuer: server.issuer, jwksUri: server.jwksUri, audience: API_RESOURCE });
  [resourceServer, otherResourceServer] = await Promise.all([apiOf(authServer), apiOf(otherAuthServer)]);
});

afterAll(async () => {
  await Promise.all([resourceServer?.stop(), otherResourceServer?.stop()]);
  await Promise.all([authServer?.stop(), otherAuthServer?.stop()]);
});

beforeEach(() => {
  for (const server of [authServer, otherAuthServer, resourceServer, otherResourceServer]) server.reset();
});

interface Client {
  readonly api: AxiosInstance;
  readonly auth: ReturnType<typeof attachRefreshInterceptor>;
  readonly refreshCalls: RefreshContext[];
  readonly logouts: LogoutEvent[];
  /** Resolves once the API has answered `count` requests with 401. */
  unauthorized(count: number): Promise<void>;
}

/** An axios instance on `api` with the interceptor attached and `refresh` (a preset) counted. */
function connect(
  api: ResourceServer,
  refresh: (context: RefreshContext) => Promise<TokenSet>,
  options: Partial<RefreshInterceptorOptions> = {},
): Client {
  const unauthorized = counter();
  // Every 401 as the transport receives it, before the refresh logic sees it.
  const instance = axios.create({ baseURL: api.url, adapter: adapterWatching401(() => unauthorized.tick()) });
  const refreshCalls: RefreshContext[] = [];
  const logouts: LogoutEvent[] = [];
  const auth = attachRefreshInterceptor(instance, {
    onLogout: (event) => {
      logouts.push(event);
    },
    ...options,
    refresh: (context) => {
      refreshCalls.push(context);
      return refresh(context);
    },
  });
  return { api: instance, auth, refreshCalls, logouts, unauthorized: (count) => unauthorized.reached(count) };
}

/** The token endpoint's own client, as a service would pass it: plain HTTP, no interceptors. */
const tokenClient = (): AxiosInstance => axios.create({ adapter: 'http' });

/** `BURST` parallel requests, each with its own `X-Request-Id` (prefixed with `tag`). */
const burst = (api: AxiosInstance, tag = 'r'): Promise<PromiseSettledResult<AxiosResponse<unknown>>[]> =>
  Promise.allSettled(
    Array.from({ length: BURST }, (_, index) =>
      api.get(`/items/${index}`, { headers: { 'X-Request-Id': `${tag}${index}` } }),
    ),
  );

const grants = (server: AuthServer, grantType: string) =>
  server.tokenRequests.filter((request) => request.grantType === grantType);

describe('oauth2Refresh against oidc-provider with rotating refresh tokens and 2 s JWT access tokens', () => {
  const presetFor = (): ((context: RefreshContext) => Promise<TokenSet>) =>
    oauth2Refresh({ tokenUrl: authServer.tokenEndpoint, clientId: CLIENT_ID, client: tokenClient() });

  test('answers a burst of 401s across expiry with one refresh_token grant: all succeed, the rotated token is kept, none is presented twice', async () => {
    const login = await loginWithPkce(authServer);
    // A client clock a minute behind the provider's: the requests go out and the API's 401s tell.
    const clock = (): number => Date.now() - 60_000;
    const client = connect(resourceServer, presetFor(), {
      tokens: { accessToken: login.access_token, refreshToken: login.refresh_token },
      leeway: 0,
      now: clock,
    });
    await sleepUntil(expiryOf(login.access_token) + 20);
    // The token endpoint answers only once every request of the burst was refused.
    authServer.holdTokenRequestsUntil(client.unauthorized(BURST));

    const before = clock();
    const results = await burst(client.api);
    const after = clock();

    expect(results.map(outcomeOf)).toEqual(Array(BURST).fill(200));
    expect(client.refreshCalls).toHaveLength(1);
    expect(grants(authServer, 'refresh_token')).toEqual([
      { grantType: 'refresh_token', refreshToken: login.refresh_token, outcome: 'ok' },
    ]);
    expect(authServer.reusedRefreshTokens()).toEqual([]);
    expect(authServer.revokedGrants).toEqual([]);
    expect(authServer.serverErrors).toEqual([]);
    expect(client.logouts).toEqual([]);

    const current = client.auth.getTokens();
    expect(current?.refreshToken).toEqual(expect.any(String));
    expect(current?.refreshToken).not.toBe(login.refresh_token);
    // The provider's expires_in, counted on the client's clock from receipt.
    expect(current?.expiresAt).toBeGreaterThanOrEqual(before + ACCESS_TOKEN_TTL * 1000);
    expect(current?.expiresAt).toBeLessThanOrEqual(after + ACCESS_TOKEN_TTL * 1000);
    const refused = resourceServer.requests.filter((request) => request.status === 401);
    const accepted = resourceServer.requests.filter((request) => request.status === 200);
    expect(refused).toHaveLength(BURST);
    expect(refused.every((request) => request.token === login.access_token && request.refusal === 'expired')).toBe(true);
    expect(accepted).toHaveLength(BURST);
    expect(accepted.every((request) => request.token === current?.accessToken)).toBe(true);

    // The rotated refresh token is the one the provider expects next.
    await expect(client.auth.refresh({ force: true })).resolves.toMatchObject({ refreshToken: expect.any(String) });
    expect(grants(authServer, 'refresh_token').map((request) => [request.refreshToken, request.outcome])).toEqual([
      [login.refresh_token, 'ok'],
      [current?.refreshToken, 'ok'],
    ]);
    expect(authServer.reusedRefreshTokens()).toEqual([]);
  });

  test("refreshes ahead of the expiry the provider's expires_in gave, once for a burst, even with a clock 10 minutes fast", async () => {
    const login = await loginWithPkce(authServer);
    const skew = 10 * 60_000;
    const clock = (): number => Date.now() + skew;
    const client = connect(resourceServer, presetFor(), {
      tokens: { accessToken: login.access_token, refreshToken: login.refresh_token },
      now: clock,
    });
    const before = clock();
    const minted = await client.auth.refresh({ force: true });
    const after = clock();
    expect(minted.expiresAt).toBeGreaterThanOrEqual(before + ACCESS_TOKEN_TTL * 1000);
    expect(minted.expiresAt).toBeLessThanOrEqual(after + ACCESS_TOKEN_TTL * 1000);
    expect(client.auth.getTokens()).toEqual(minted);
    // The default leeway (30 s) is capped at half the token's lifetime: due 1 s after receipt.
    await sleepUntil((minted.expiresAt ?? 0) - skew - (ACCESS_TOKEN_TTL * 1000) / 2 + 50);

    const results = await burst(client.api);

    expect(results.map(outcomeOf)).toEqual(Array(BURST).fill(200));
    expect(client.refreshCalls).toHaveLength(2);
    expect(grants(authServer, 'refresh_token').map((request) => [request.refreshToken, request.outcome])).toEqual([
      [login.refresh_token, 'ok'],
      [minted.refreshToken, 'ok'],
    ]);
    expect(authServer.reusedRefreshTokens()).toEqual([]);
    const current = client.auth.getTokens();
    expect(current?.accessToken).not.toBe(minted.accessToken);
    // No request went out with the token about to expire.
    expect(resourceServer.requests).toHaveLength(BURST);
    expect(resourceServer.requests.every((request) => request.status === 200 && request.token === current?.accessToken)).toBe(
      true,
    );
  });
});

describe('oauth2ClientCredentials against oidc-provider with a client_secret_basic client and 2 s JWT access tokens', () => {
  const presetFor = (
    server: AuthServer,
    credentials: { readonly clientId: string; readonly clientSecret: string },
  ): ((context: RefreshContext) => Promise<TokenSet>) =>
    oauth2ClientCredentials({ tokenUrl: server.tokenEndpoint, ...credentials, scope: API_SCOPE, client: tokenClient() });

  test('fetches one token for a burst of first requests, the API accepts it, and a new one is fetched once it expired', async () => {
    const client = connect(resourceServer, presetFor(authServer, REPORTS), { refreshWithoutTokens: true });

    const results = await burst(client.api);

    expect(results.map(outcomeOf)).toEqual(Array(BURST).fill(200));
    expect(client.refreshCalls).toHaveLength(1);
    expect(authServer.tokenRequests).toEqual([{ grantType: 'client_credentials', refreshToken: undefined, outcome: 'ok' }]);
    const first = client.auth.getTokens();
    expect(first).toEqual({ accessToken: expect.any(String), expiresAt: expect.any(Number) });
    expect(decodeJwt(first?.accessToken ?? '')).toMatchObject({ client_id: REPORTS.clientId, scope: API_SCOPE, aud: API_RESOURCE });
    expect(resourceServer.requests).toHaveLength(BURST);
    expect(resourceServer.requests.every((request) => request.status === 200 && request.token === first?.accessToken)).toBe(true);

    await sleepUntil(expiryOf(first?.accessToken ?? '') + 20);
    const later = await client.api.get('/items/later', { headers: { 'X-Request-Id': 'later' } });

    expect(later.status).toBe(200);
    expect(client.refreshCalls).toHaveLength(2);
    expect(authServer.tokenRequests.map((request) => [request.grantType, request.outcome])).toEqual([
      ['client_credentials', 'ok'],
      ['client_credentials', 'ok'],
    ]);
    const second = client.auth.getTokens();
    expect(second?.accessToken).not.toBe(first?.accessToken);
    expect(resourceServer.requests.at(-1)).toEqual({ id: 'later', token: second?.accessToken, status: 200 });
    expect(resourceServer.requests.filter((request) => request.status === 401)).toEqual([]);
    expect(client.logouts).toEqual([]);
  });

  test('a wrong client secret rejects every waiting request with REFRESH_REJECTED (401 invalid_client) without a logout, and the secret is told nowhere', async () => {
    const wrongSecret = 'wrong secret:%+';
    const sentAuthorization: string[] = [];
    const client = tokenClient();
    client.interceptors.request.use((config) => {
      sentAuthorization.push(String(config.headers.get('Authorization')));
      return config;
    });
    const preset = oauth2ClientCredentials({
      tokenUrl: authServer.tokenEndpoint,
      clientId: REPORTS.clientId,
      clientSecret: wrongSecret,
      client,
    });
    const service = connect(resourceServer, preset, { refreshWithoutTokens: true });

    const results = await burst(service.api);

    expect(results.map(outcomeOf)).toEqual(Array(BURST).fill('REFRESH_REJECTED'));
    expect(service.refreshCalls).toHaveLength(1);
    expect(sentAuthorization).toEqual([expect.stringMatching(/^Basic /)]);
    expect(authServer.tokenRequests).toEqual([
      { grantType: 'client_credentials', refreshToken: undefined, outcome: expect.stringMatching(/^invalid_client: /) },
    ]);
    for (const result of results) {
      const error: unknown = result.status === 'rejected' ? result.reason : undefined;
      const cause = isRefreshError(error) ? error.cause : undefined;
      expect(isAxiosError<{ error?: string }>(cause) && [cause.response?.status, cause.response?.data?.error]).toEqual([
        401,
        'invalid_client',
      ]);
      const told = `${inspect(error, { depth: Infinity })}\n${JSON.stringify(cause)}`;
      expect(told).not.toContain(wrongSecret);
      expect(told).not.toContain(sentAuthorization[0]?.slice('Basic '.length));
      expect(told).not.toContain(encodeURIComponent(wrongSecret));
      expect(told).not.toContain(new URLSearchParams({ s: wrongSecret }).toString().slice(2));
    }
    // No session existed: nothing to log out of.
    expect(service.logouts).toEqual([]);
    expect(service.auth.getTokens()).toBeNull();
    expect(resourceServer.requests).toEqual([]);
  });

  test('a service with two APIs and two token endpoints never mixes their tokens', async () => {
    const reports = connect(resourceServer, presetFor(authServer, REPORTS), { refreshWithoutTokens: true });
    const billing = connect(otherResourceServer, presetFor(otherAuthServer, BILLING), { refreshWithoutTokens: true });

    const [reportsResults, billingResults] = await Promise.all([burst(reports.api, 'reports-'), burst(billing.api, 'billing-')]);

    expect(reportsResults.map(outcomeOf)).toEqual(Array(BURST).fill(200));
    expect(billingResults.map(outcomeOf)).toEqual(Array(BURST).fill(200));
    expect(authServer.tokenRequests).toEqual([{ grantType: 'client_credentials', refreshToken: undefined, outcome: 'ok' }]);
    expect(otherAuthServer.tokenRequests).toEqual([{ grantType: 'client_credentials', refreshToken: undefined, outcome: 'ok' }]);
    const reportsToken = reports.auth.getTokens()?.accessToken ?? '';
    const billingToken = billing.auth.getTokens()?.accessToken ?? '';
    expect(decodeJwt(reportsToken)).toMatchObject({ iss: authServer.issuer, client_id: REPORTS.clientId });
    expect(decodeJwt(billingToken)).toMatchObject({ iss: otherAuthServer.issuer, client_id: BILLING.clientId });
    expect(resourceServer.requests).toHaveLength(BURST);
    expect(resourceServer.requests.every((request) => request.status === 200 && request.token === reportsToken)).toBe(true);
    expect(otherResourceServer.requests).toHaveLength(BURST);
    expect(otherResourceServer.requests.every((request) => request.status === 200 && request.token === billingToken)).toBe(true);

    // A new token for one API leaves the other's as it was.
    await reports.auth.refresh({ force: true });
    expect(reports.auth.getTokens()?.accessToken).not.toBe(reportsToken);
    expect(billing.auth.getTokens()?.accessToken).toBe(billingToken);
    expect(authServer.tokenRequests).toHaveLength(2);
    expect(otherAuthServer.tokenRequests).toHaveLength(1);
  });
});
