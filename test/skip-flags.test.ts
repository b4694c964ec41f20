import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios, { isAxiosError } from 'axios';
import { describe, expect, test } from 'vitest';
import { attachRefreshInterceptor, isRefreshError } from '../src/index.js';
import type { TokenSet } from '../src/index.js';
import { deferred, flush, setup, tokenOf } from './helpers.js';

/** Whether `promise` has settled, read after letting pending callbacks run. */
function track(promise: Promise<unknown>): () => boolean {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return () => settled;
}

describe('skipAuth', () => {
  test('sends no token', async () => {
    const { api, mock } = setup();
    mock.onGet('/me').reply((config) => [200, { token: tokenOf(config) }]);

    const skipped = await api.get('/me', { skipAuth: true });
    const normal = await api.get('/me');

    expect(skipped.data).toEqual({ token: undefined });
    expect(normal.data).toEqual({ token: 'access-0' });
  });

  test('returns a 401 to the caller without refreshing', async () => {
    const { api, mock, refreshCalls, auth } = setup();
    mock.onGet('/me').reply(401, { error: 'unauthorized' });

    const error: unknown = await api.get('/me', { skipAuth: true }).catch((e: unknown) => e);

    expect(isAxiosError(error) && error.response?.status).toBe(401);
    expect(refreshCalls).toHaveLength(0);
    expect(mock.history['get']).toHaveLength(1);
    expect(auth.getTokens()?.accessToken).toBe('access-0');
  });

  test('does not wait for a refresh under way', async () => {
    const gate = deferred<TokenSet>();
    const { api, mock, auth } = setup({ refresh: () => gate.promise });
    mock.onGet('/me').reply((config) => [200, { token: tokenOf(config) }]);

    const refreshing = auth.refresh({ force: true });
    await flush();
    const skipped = api.get('/me', { skipAuth: true });
    const held = api.get('/me');
    const skippedSettled = track(skipped);
    const heldSettled = track(held);
    await flush();

    expect(skippedSettled()).toBe(true);
    expect(heldSettled()).toBe(false);
    expect((await skipped).data).toEqual({ token: undefined });

    gate.resolve({ accessToken: 'access-1' });
    await refreshing;
    expect((await held).data).toEqual({ token: 'access-1' });
  });

  test('sends no token with a config reused from an earlier request', async () => {
    // A real HTTP adapter keeps the request's adapter in `response.config`, so a reused config
    // reaches the library's adapter without passing its request interceptor's check again.
    const server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ authorization: request.headers.authorization ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const api = axios.create({ baseURL: `http://127.0.0.1:${port}`, adapter: 'http' });
      const auth = attachRefreshInterceptor(api, { refresh: () => ({ accessToken: 'access-1' }) });

      const earlier = await api.get('/me');
      await auth.setTokens({ accessToken: 'access-login' });
      const reused = await api.request({ ...earlier.config, skipAuth: true });
      const normal = await api.get('/me');

      expect(earlier.data).toEqual({ authorization: null });
      expect(reused.data).toEqual({ authorization: null });
      expect(normal.data).toEqual({ authorization: 'Bearer access-login' });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('skipAuthRefresh', () => {
  test('sends the token, and returns its 401 to the caller unchanged without refreshing or replaying', async () => {
    const { api, mock, refreshCalls, auth } = setup();
    mock.onGet('/me').reply((config) => [401, { token: tokenOf(config) }, { 'www-authenticate': 'Bearer' }]);

    const error: unknown = await api.get('/me', { skipAuthRefresh: true }).catch((e: unknown) => e);

    expect(isRefreshError(error)).toBe(false);
    expect(isAxiosError(error)).toBe(true);
    if (!isAxiosError(error)) return;
    expect(error.response?.status).toBe(401);
    expect(error.response?.data).toEqual({ token: 'access-0' });
    expect(error.response?.headers['www-authenticate']).toBe('Bearer');
    expect(error.config?.url).toBe('/me');
    expect(refreshCalls).toHaveLength(0);
    expect(mock.history['get']).toHaveLength(1);
    expect(auth.getTokens()?.accessToken).toBe('access-0');
  });
});

describe('flags on instance.defaults', () => {
  test('skipAuth set on defaults sends no token', async () => {
    const { api, mock } = setup();
    api.defaults.skipAuth = true;
    mock.onGet('/me').reply((config) => [200, { token: tokenOf(config) }]);

    const { data } = await api.get('/me');

    expect(data).toEqual({ token: undefined });
  });

  test('skipAuthRefresh set on defaults returns a 401 without refreshing', async () => {
    const { api, mock, refreshCalls } = setup();
    api.defaults.skipAuthRefresh = true;
    mock.onGet('/me').reply((config) => [401, { token: tokenOf(config) }]);

    const error: unknown = await api.get('/me').catch((e: unknown) => e);

    expect(isAxiosError(error) && error.response?.data).toEqual({ token: 'access-0' });
    expect(refreshCalls).toHaveLength(0);
    expect(mock.history['get']).toHaveLength(1);
  });
});

describe('flags inherited from Object.prototype', () => {
  test('change nothing, even on a config an interceptor copied into a plain object', async () => {
    const { api, mock, refreshCalls } = setup();
    // axios hands interceptors a config without a prototype; a copy made by an interceptor (here
    // one that runs before the library's) has Object.prototype again.
    api.interceptors.request.use((config) => ({ ...config }));
    const sent: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      sent.push(tokenOf(config));
      return sent.length === 1 ? [401] : [200, { token: tokenOf(config) }];
    });

    const polluted = ['skipAuth', 'skipAuthRefresh'] as const;
    try {
      for (const flag of polluted) {
        Object.defineProperty(Object.prototype, flag, { value: true, writable: true, enumerable: true, configurable: true });
      }
      const { data } = await api.get('/me');

      expect(data).toEqual({ token: 'access-1' });
      expect(refreshCalls).toHaveLength(1);
      expect(sent).toEqual(['access-0', 'access-1']);
    } finally {
      for (const flag of polluted) Reflect.deleteProperty(Object.prototype, flag);
    }
    expect(Object.prototype).not.toHaveProperty('skipAuth');
  });
});
