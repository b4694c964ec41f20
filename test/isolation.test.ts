import axios from 'axios';
import type { AxiosInstance } from 'axios';
import type MockAdapter from 'axios-mock-adapter';
import { describe, expect, it } from 'vitest';
import { RefreshError, attachRefreshInterceptor } from '../src/index.js';
import type { LogoutEvent, RefreshContext, RefreshInterceptorHandle, TokenSet } from '../src/index.js';
import { createMock, deferred, flush, tokenOf } from './helpers.js';

interface Client {
  readonly api: AxiosInstance;
  readonly mock: MockAdapter;
  readonly auth: RefreshInterceptorHandle;
  readonly refreshCalls: RefreshContext[];
  readonly logouts: LogoutEvent[];
  /** The token each request to this client's API carried, by URL path. */
  readonly seen: Array<{ url: string | undefined; token: string | undefined }>;
}

/**
 * One API client: its own axios instance, mock, refresh endpoint and session. `refresh` mints
 * `<name>-access-1`, `<name>-access-2`, … unless given.
 */
function client(
  name: string,
  refresh?: (context: RefreshContext) => Promise<TokenSet> | TokenSet,
): Client {
  const api = axios.create({ baseURL: `https://${name}.example.test` });
  const mock = createMock(api);
  const refreshCalls: RefreshContext[] = [];
  const logouts: LogoutEvent[] = [];
  const seen: Array<{ url: string | undefined; token: string | undefined }> = [];
  let minted = 0;
  const auth = attachRefreshInterceptor(api, {
    tokens: { accessToken: `${name}-access-0`, refreshToken: `${name}-refresh-0` },
    refresh: (context) => {
      refreshCalls.push(context);
      if (refresh) return refresh(context);
      minted += 1;
      return { accessToken: `${name}-access-${minted}`, refreshToken: `${name}-refresh-${minted}` };
    },
    onLogout: (event) => {
      logouts.push(event);
    },
  });
  // Answers 401 to any token but the client's current one.
  mock.onAny().reply((config) => {
    const token = tokenOf(config);
    seen.push({ url: config.url, token });
    return token !== undefined && token === auth.getTokens()?.accessToken ? [200, { from: name }] : [401, {}];
  });
  return { api, mock, auth, refreshCalls, logouts, seen };
}

const rejected = (): Error => Object.assign(new Error('refresh token refused'), { status: 401 });

describe('two attached instances', () => {
  it('a 401 on one refreshes only that one, with its own refresh token', async () => {
    const a = client('a');
    const b = client('b');
    a.mock.resetHandlers();
    a.mock.onGet('/me').replyOnce(401, {});
    a.mock.onGet('/me').reply((config) => [tokenOf(config) === 'a-access-1' ? 200 : 401, {}]);

    await a.api.get('/me');
    await b.api.get('/me');

    expect(a.refreshCalls.map((context) => context.refreshToken)).toEqual(['a-refresh-0']);
    expect(b.refreshCalls).toHaveLength(0);
    expect(a.auth.getTokens()?.accessToken).toBe('a-access-1');
    expect(b.auth.getTokens()).toEqual({ accessToken: 'b-access-0', refreshToken: 'b-refresh-0' });
    expect(b.seen).toEqual([{ url: '/me', token: 'b-access-0' }]);
  });

  it("one instance's logout leaves the other's session and requests untouched", async () => {
    const a = client('a');
    const b = client('b');

    await a.auth.logout();
    await a.api.get('/public').catch(() => undefined);
    await b.api.get('/me');

    expect(a.logouts).toEqual([{ reason: 'logout' }]);
    expect(b.logouts).toEqual([]);
    expect(a.auth.getTokens()).toBeNull();
    expect(b.auth.getTokens()).toEqual({ accessToken: 'b-access-0', refreshToken: 'b-refresh-0' });
    expect(a.seen).toEqual([{ url: '/public', token: undefined }]);
    expect(b.seen).toEqual([{ url: '/me', token: 'b-access-0' }]);
  });

  it("one instance's rejected refresh logs out only that instance", async () => {
    const a = client('a', () => Promise.reject(rejected()));
    const b = client('b');
    a.mock.resetHandlers();
    a.mock.onGet('/me').reply(401, {});

    const error: unknown = await a.api.get('/me').catch((reason: unknown) => reason);
    await b.api.get('/me');

    expect((error as RefreshError).code).toBe('REFRESH_REJECTED');
    expect(a.logouts).toHaveLength(1);
    expect(b.logouts).toEqual([]);
    expect(b.refreshCalls).toHaveLength(0);
    expect(b.auth.getTokens()?.accessToken).toBe('b-access-0');
  });

  it("one instance's refresh in flight does not hold the other's requests", async () => {
    const gate = deferred<TokenSet>();
    const a = client('a', () => gate.promise);
    const b = client('b');

    const waiting = a.auth.refresh({ force: true });
    const queued = a.api.get('/me');
    await flush();
    const response = await b.api.get('/me');

    expect(response.data).toEqual({ from: 'b' });
    expect(a.seen).toEqual([]);
    gate.resolve({ accessToken: 'a-access-new' });
    await waiting;
    await queued;
    expect(a.seen).toEqual([{ url: '/me', token: 'a-access-new' }]);
  });

  it('runs interleaved refreshes of both instances apart, each settling with its own tokens', async () => {
    const gateA = deferred<TokenSet>();
    const gateB = deferred<TokenSet>();
    const a = client('a', () => gateA.promise);
    const b = client('b', () => gateB.promise);
    a.mock.resetHandlers();
    b.mock.resetHandlers();
    for (const [c, current] of [[a, 'a-access-new'], [b, 'b-access-new']] as const) {
      c.mock.onGet('/me').reply((config) => {
        c.seen.push({ url: config.url, token: tokenOf(config) });
        return tokenOf(config) === current ? [200, {}] : [401, {}];
      });
    }

    const requests = [a.api.get('/me'), b.api.get('/me'), a.api.get('/me'), b.api.get('/me')];
    await flush();
    expect(a.refreshCalls).toHaveLength(1);
    expect(b.refreshCalls).toHaveLength(1);
    expect(a.refreshCalls[0]?.signal).not.toBe(b.refreshCalls[0]?.signal);

    gateB.resolve({ accessToken: 'b-access-new' });
    await flush();
    expect(b.seen.slice(2)).toEqual([
      { url: '/me', token: 'b-access-new' },
      { url: '/me', token: 'b-access-new' },
    ]);
    expect(a.seen).toHaveLength(2);
    expect(a.auth.getTokens()?.accessToken).toBe('a-access-0');

    gateA.resolve({ accessToken: 'a-access-new' });
    await Promise.all(requests);
    expect(a.seen.slice(2).map((entry) => entry.token)).toEqual(['a-access-new', 'a-access-new']);
    expect(a.auth.getTokens()).toEqual({ accessToken: 'a-access-new', refreshToken: 'a-refresh-0' });
    expect(b.auth.getTokens()).toEqual({ accessToken: 'b-access-new', refreshToken: 'b-refresh-0' });
    expect(a.refreshCalls).toHaveLength(1);
    expect(b.refreshCalls).toHaveLength(1);
  });

  it('a refresh, a new session or a logout on one instance never stops the other from refreshing on its own 401', async () => {
    const a = client('a');
    const b = client('b');
    const reply = deferred<[number, unknown]>();
    a.mock.resetHandlers();
    a.mock.onGet('/me').replyOnce((config) => {
      a.seen.push({ url: config.url, token: tokenOf(config) });
      return reply.promise;
    });
    a.mock.onGet('/me').reply((config) => {
      a.seen.push({ url: config.url, token: tokenOf(config) });
      return [tokenOf(config) === 'a-access-1' ? 200 : 401, {}];
    });

    const request = a.api.get('/me');
    await flush();
    await b.auth.refresh({ force: true });
    await b.auth.setTokens({ accessToken: 'b-access-other' });
    await b.auth.logout();
    reply.resolve([401, {}]);
    await request;

    expect(a.refreshCalls).toHaveLength(1);
    expect(a.seen.map((entry) => entry.token)).toEqual(['a-access-0', 'a-access-1']);
  });

  it("ending one instance's session mid-refresh leaves the other's refresh running", async () => {
    const gateA = deferred<TokenSet>();
    const gateB = deferred<TokenSet>();
    const a = client('a', () => gateA.promise);
    const b = client('b', () => gateB.promise);

    const refreshA = a.auth.refresh({ force: true }).catch((reason: unknown) => reason);
    const refreshB = b.auth.refresh({ force: true });
    await flush();
    await a.auth.logout();
    gateB.resolve({ accessToken: 'b-access-new' });

    expect(((await refreshA) as RefreshError).code).toBe('SESSION_ENDED');
    await expect(refreshB).resolves.toEqual({ accessToken: 'b-access-new', refreshToken: 'b-refresh-0' });
    expect(a.refreshCalls[0]?.signal.aborted).toBe(true);
    expect(b.refreshCalls[0]?.signal.aborted).toBe(false);
  });

  it('attaching to one instance changes neither axios nor another instance created from it', async () => {
    const count = (handlers: readonly unknown[] | undefined): number =>
      (handlers ?? []).filter((handler) => handler !== null).length;
    const globalRequest = count(axios.interceptors.request.handlers);
    const globalResponse = count(axios.interceptors.response.handlers);
    const defaultAdapter = axios.defaults.adapter;
    const other = axios.create({ baseURL: 'https://b.example.test' });
    const otherMock = createMock(other);
    const otherSeen: Array<string | undefined> = [];
    otherMock.onGet('/me').reply((config) => {
      otherSeen.push(tokenOf(config));
      return [401, {}];
    });

    const a = client('a');
    await a.api.get('/me');
    await other.get('/me').catch(() => undefined);

    expect(count(axios.interceptors.request.handlers)).toBe(globalRequest);
    expect(count(axios.interceptors.response.handlers)).toBe(globalResponse);
    expect(count(other.interceptors.request.handlers)).toBe(0);
    expect(count(other.interceptors.response.handlers)).toBe(0);
    expect(axios.defaults.adapter).toBe(defaultAdapter);
    expect(axios.defaults.headers.common['Authorization']).toBeUndefined();
    expect(other.defaults.headers.common['Authorization']).toBeUndefined();
    expect(otherSeen).toEqual([undefined]);
    expect(a.refreshCalls).toHaveLength(0);
  });

  it('keeps separate state for two handles attached to separate instances even with identical options', async () => {
    const refresh = (): TokenSet => ({ accessToken: 'shared-new' });
    const apiA = axios.create({ baseURL: 'https://a.example.test' });
    const apiB = axios.create({ baseURL: 'https://b.example.test' });
    const options = { refresh, tokens: { accessToken: 'shared-0' } };
    const authA = attachRefreshInterceptor(apiA, options);
    const authB = attachRefreshInterceptor(apiB, options);

    await authA.setTokens({ accessToken: 'only-a' });
    await authB.logout();

    expect(authA.getTokens()).toEqual({ accessToken: 'only-a' });
    expect(authB.getTokens()).toBeNull();
    await authB.setTokens({ accessToken: 'only-b' });
    expect(authA.getTokens()).toEqual({ accessToken: 'only-a' });
  });
});
