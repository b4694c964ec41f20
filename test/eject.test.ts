import axios, { isAxiosError } from 'axios';
import type { AxiosInstance } from 'axios';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RefreshError, attachRefreshInterceptor } from '../src/index.js';
import type { RefreshContext, TokenSet } from '../src/index.js';
import { BASE_URL, createMock, deferred, flush, setup, tokenOf } from './helpers.js';

/** Interceptors installed on `api` and not ejected (axios leaves `null` where one was ejected). */
function installed(api: AxiosInstance): { request: number; response: number } {
  const count = (handlers: readonly unknown[] | undefined): number =>
    (handlers ?? []).filter((handler) => handler !== null).length;
  return { request: count(api.interceptors.request.handlers), response: count(api.interceptors.response.handlers) };
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe('eject', () => {
  it('removes the one request interceptor it installed (replays happen in its adapter: no response interceptor)', () => {
    const api = axios.create({ baseURL: BASE_URL });
    const before = installed(api);

    const auth = attachRefreshInterceptor(api, { refresh: () => ({ accessToken: 'access-1' }) });
    expect(installed(api)).toEqual({ request: before.request + 1, response: before.response });

    auth.eject();
    expect(installed(api)).toEqual(before);
  });

  it('sends later requests without a token and lets a 401 through without a refresh', async () => {
    const { api, mock, auth, refreshCalls } = setup();
    const seen: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      return [401, {}];
    });

    auth.eject();
    const error = await failureOf(api.get('/me'));

    expect(isAxiosError(error) && error.response?.status).toBe(401);
    expect(seen).toEqual([undefined]);
    expect(refreshCalls).toHaveLength(0);
  });

  it('sends a request already past the interceptors when eject() is called without a token', async () => {
    const api = axios.create({ baseURL: BASE_URL });
    const mock = createMock(api);
    const seen: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      return [200, {}];
    });
    const hold = deferred();
    const reached = deferred();
    // Registered first, so it runs after the library's request interceptor.
    api.interceptors.request.use(async (config) => {
      reached.resolve();
      await hold.promise;
      return config;
    });
    const auth = attachRefreshInterceptor(api, {
      refresh: () => ({ accessToken: 'access-1' }),
      tokens: { accessToken: 'access-0' },
    });

    const request = api.get('/me');
    await reached.promise;
    auth.eject();
    hold.resolve();
    await request;

    expect(seen).toEqual([undefined]);
  });

  it('cancels a refresh in flight: its waiters reject with SESSION_ENDED, its signal is aborted and its result is discarded', async () => {
    const gate = deferred<TokenSet>();
    const contexts: RefreshContext[] = [];
    const { api, mock, auth } = setup({
      refresh: (context) => {
        contexts.push(context);
        return gate.promise;
      },
    });
    const firstReply = deferred<[number, unknown]>();
    mock.onGet('/first').replyOnce(() => firstReply.promise);
    const seen: Array<string | undefined> = [];
    mock.onGet('/later').reply((config) => {
      seen.push(tokenOf(config));
      return [200, {}];
    });

    const first = failureOf(api.get('/first'));
    await flush();
    const manual = failureOf(auth.refresh({ force: true }));
    await flush();
    firstReply.resolve([401, {}]);
    const later = failureOf(api.get('/later'));
    await flush();
    expect(contexts).toHaveLength(1);

    auth.eject();
    const errors = await Promise.all([first, manual, later]);

    for (const error of errors) {
      expect(error).toBeInstanceOf(RefreshError);
      expect((error as RefreshError).code).toBe('SESSION_ENDED');
    }
    expect(contexts[0]?.signal.aborted).toBe(true);
    expect(seen).toEqual([]);

    gate.resolve({ accessToken: 'access-late', refreshToken: 'refresh-late' });
    await flush();
    expect(auth.getTokens()).toEqual({ accessToken: 'access-0', refreshToken: 'refresh-0' });
  });

  it('leaves no timer pending when it cancels a refresh that has a timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const signals: AbortSignal[] = [];
    const { auth } = setup({
      refreshTimeout: 5_000,
      refresh: ({ signal }) => {
        signals.push(signal);
        return new Promise<TokenSet>(() => undefined);
      },
    });

    const manual = failureOf(auth.refresh({ force: true }));
    await flush();
    expect(signals).toHaveLength(1);
    expect(vi.getTimerCount()).toBeGreaterThan(0);

    auth.eject();
    const error = await manual;
    await flush();

    expect((error as RefreshError).code).toBe('SESSION_ENDED');
    expect(signals[0]?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is harmless when called twice and leaves the other interceptors on the instance working', async () => {
    const api = axios.create({ baseURL: BASE_URL });
    const mock = createMock(api);
    const seen: Array<{ token: string | undefined; before: unknown; after: unknown }> = [];
    mock.onGet('/me').reply((config) => {
      seen.push({ token: tokenOf(config), before: config.headers?.['X-Before'], after: config.headers?.['X-After'] });
      return [200, { value: 1 }];
    });
    api.interceptors.request.use((config) => {
      config.headers.set('X-Before', 'yes');
      return config;
    });
    api.interceptors.response.use((response) => ({ ...response, data: { wrapped: response.data as unknown } }));
    const withoutLibrary = installed(api);
    const auth = attachRefreshInterceptor(api, {
      refresh: () => ({ accessToken: 'access-1' }),
      tokens: { accessToken: 'access-0' },
    });
    api.interceptors.request.use((config) => {
      config.headers.set('X-After', 'yes');
      return config;
    });

    auth.eject();
    expect(() => auth.eject()).not.toThrow();
    const response = await api.get('/me');

    expect(installed(api)).toEqual({ request: withoutLibrary.request + 1, response: withoutLibrary.response });
    expect(response.data).toEqual({ wrapped: { value: 1 } });
    expect(seen).toEqual([{ token: undefined, before: 'yes', after: 'yes' }]);
  });
});
