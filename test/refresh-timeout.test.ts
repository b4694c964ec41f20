import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RefreshError, isRefreshError } from '../src/index.js';
import type { LogoutEvent, RefreshContext, RefreshErrorCode, RefreshInterceptorOptions, TokenSet } from '../src/index.js';
import { createMock, deferred, flush, setup, tokenOf } from './helpers.js';

/** How a request settled, readable before it has. */
function track(promise: Promise<unknown>) {
  const state: { settled: boolean; error: unknown } = { settled: false, error: undefined };
  promise.then(
    () => {
      state.settled = true;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

function expectRefreshError(error: unknown, code: RefreshErrorCode): void {
  expect(error).toBeInstanceOf(RefreshError);
  expect(isRefreshError(error)).toBe(true);
  if (isRefreshError(error)) expect(error.code).toBe(code);
}

describe('a refresh that never settles', () => {
  // Only the timers are faked: `flush` still runs on the real setImmediate.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each<{ name: string; options: Pick<RefreshInterceptorOptions, 'refreshTimeout'>; timeout: number }>([
    { name: 'the default 10000 ms', options: {}, timeout: 10_000 },
    { name: 'a refreshTimeout of 2500 ms', options: { refreshTimeout: 2_500 }, timeout: 2_500 },
  ])('is cut after $name: signal aborted, waiters reject with REFRESH_TIMEOUT, tokens kept', async ({ options, timeout }) => {
    let calls = 0;
    const onLogout = vi.fn<(event: LogoutEvent) => void>();
    const { api, mock, auth, refreshCalls } = setup({
      ...options,
      onLogout,
      refresh: () => {
        calls += 1;
        return calls === 1 ? new Promise<TokenSet>(() => undefined) : { accessToken: 'access-2', refreshToken: 'refresh-2' };
      },
    });
    const tokens = auth.getTokens();
    mock.onGet('/data').reply((config) => (tokenOf(config) === 'access-2' ? [200, { ok: true }] : [401]));

    const waiting = [1, 2, 3].map((n) => track(api.get('/data', { params: { n } })));
    await flush();
    expect(refreshCalls).toHaveLength(1);
    const signal = refreshCalls[0]?.signal;

    vi.advanceTimersByTime(timeout - 1);
    await flush();
    expect(signal?.aborted).toBe(false);
    for (const request of waiting) expect(request.settled).toBe(false);

    vi.advanceTimersByTime(1);
    await flush();
    expect(signal?.aborted).toBe(true);
    for (const request of waiting) {
      expect(request.settled).toBe(true);
      expectRefreshError(request.error, 'REFRESH_TIMEOUT');
    }
    expect(auth.getTokens()).toBe(tokens);
    expect(onLogout).not.toHaveBeenCalled();
    expect(mock.history).toHaveLength(3);

    const response = await api.get('/data');
    expect(response.data).toEqual({ ok: true });
    expect(refreshCalls).toHaveLength(2);
    expect(auth.getTokens()?.accessToken).toBe('access-2');
  });

  it('with refreshTimeout: Infinity sets no timer and waits as long as it takes', async () => {
    const answer = deferred<TokenSet>();
    const { api, mock, refreshCalls } = setup({ refreshTimeout: Infinity, refresh: () => answer.promise });
    mock.onGet('/data').reply((config) => (tokenOf(config) === 'access-2' ? [200, { ok: true }] : [401]));
    const timers = vi.getTimerCount();

    const request = api.get('/data');
    const state = track(request);
    await flush();
    expect(refreshCalls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(timers);

    vi.advanceTimersByTime(7 * 24 * 60 * 60 * 1000);
    await flush();
    expect(refreshCalls[0]?.signal.aborted).toBe(false);
    expect(state.settled).toBe(false);

    answer.resolve({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    expect((await request).data).toEqual({ ok: true });
  });
});

describe('a refresh answer without a usable access token', () => {
  const answers: ReadonlyArray<{ readonly name: string; readonly body: unknown }> = [
    { name: 'an empty object', body: {} },
    { name: 'an empty access token', body: { accessToken: '' } },
    { name: 'an access token with a space', body: { accessToken: 'a b' } },
    { name: 'an access token with CR/LF', body: { accessToken: 'x\r\nInjected: 1' } },
    { name: 'null', body: null },
  ];

  /** `refresh` reads the answer of a mocked token endpoint, as an app would. */
  function endpointAnswering(body: unknown) {
    const client = axios.create({ baseURL: 'https://auth.example.test' });
    createMock(client).onPost('/token').reply(200, body);
    return async ({ refreshToken, signal }: RefreshContext): Promise<TokenSet> =>
      (await client.post<TokenSet>('/token', { refreshToken }, { signal })).data;
  }

  it.each(answers)('($name) rejects the waiting requests with INVALID_REFRESH_RESPONSE and keeps the tokens', async ({ body }) => {
    const onLogout = vi.fn<(event: LogoutEvent) => void>();
    const { api, mock, auth, refreshCalls } = setup({ refresh: endpointAnswering(body), onLogout });
    const tokens = auth.getTokens();
    mock.onGet('/data').reply(401);

    const results = await Promise.allSettled([1, 2].map((n) => api.get('/data', { params: { n } })));

    expect(refreshCalls).toHaveLength(1);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected') expectRefreshError(result.reason, 'INVALID_REFRESH_RESPONSE');
    }
    expect(auth.getTokens()).toBe(tokens);
    expect(mock.history.map((config) => tokenOf(config))).toEqual(['access-0', 'access-0']);
    expect(onLogout).not.toHaveBeenCalled();
  });

  it.each(answers)('($name) makes refresh({ force: true }) reject with INVALID_REFRESH_RESPONSE', async ({ body }) => {
    const { auth } = setup({ refresh: endpointAnswering(body) });
    const tokens = auth.getTokens();

    const [result] = await Promise.allSettled([auth.refresh({ force: true })]);

    expect(result?.status).toBe('rejected');
    if (result?.status === 'rejected') expectRefreshError(result.reason, 'INVALID_REFRESH_RESPONSE');
    expect(auth.getTokens()).toBe(tokens);
  });
});
