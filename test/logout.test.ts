import type { InternalAxiosRequestConfig } from 'axios';
import { describe, expect, it, vi } from 'vitest';
import { RefreshError, isRefreshError } from '../src/index.js';
import type { LogoutEvent, SessionEvent, TokenSet } from '../src/index.js';
import { deferred, flush, setup, tokenOf } from './helpers.js';

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

function expectSessionEnded(request: { settled: boolean; error: unknown }): void {
  expect(request.settled).toBe(true);
  expect(request.error).toBeInstanceOf(RefreshError);
  expect(isRefreshError(request.error)).toBe(true);
  if (isRefreshError(request.error)) expect(request.error.code).toBe('SESSION_ENDED');
}

/** Answers 401 unless the request carries one of `accepted`. */
const accepting =
  (...accepted: string[]) =>
  (config: InternalAxiosRequestConfig | { headers?: unknown }): [number, unknown?] => {
    const token = tokenOf(config);
    return token !== undefined && accepted.includes(token) ? [200, { ok: true }] : [401];
  };

describe('logout()', () => {
  it('during a refresh rejects the waiting requests with SESSION_ENDED at once, aborts the refresh and discards its result', async () => {
    const answer = deferred<TokenSet>();
    const onLogout = vi.fn<(event: LogoutEvent) => void>();
    const { api, mock, auth, refreshCalls } = setup({ refresh: () => answer.promise, onLogout });
    mock.onGet('/data').reply(accepting('access-1'));
    mock.onGet('/open').reply(200);

    const afterOwn401 = [1, 2].map((n) => track(api.get('/data', { params: { n } })));
    await flush();
    expect(refreshCalls).toHaveLength(1);
    const beforeSending = track(api.get('/data', { params: { n: 3 } }));
    await flush();
    const signal = refreshCalls[0]?.signal;
    expect(signal?.aborted).toBe(false);
    expect(mock.history).toHaveLength(2);

    await auth.logout();
    await flush();

    for (const request of [...afterOwn401, beforeSending]) expectSessionEnded(request);
    expect(signal?.aborted).toBe(true);
    expect(auth.getTokens()).toBeNull();
    expect(onLogout).toHaveBeenCalledTimes(1);
    expect(onLogout.mock.calls[0]?.[0].reason).toBe('logout');

    answer.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    await flush();
    const later = await api.get('/open');

    expect(auth.getTokens()).toBeNull();
    expect(tokenOf(later.config)).toBeUndefined();
    expect(mock.history.map((config) => tokenOf(config))).toEqual(['access-0', 'access-0', undefined]);
    expect(onLogout).toHaveBeenCalledTimes(1);
  });

  it('with no session does nothing', async () => {
    const onLogout = vi.fn<(event: LogoutEvent) => void>();
    const { auth } = setup({ onLogout }, null);
    const events: SessionEvent[] = [];
    auth.subscribe((event) => events.push(event));

    await auth.logout();

    expect(onLogout).not.toHaveBeenCalled();
    expect(events).toEqual([]);
    expect(auth.getTokens()).toBeNull();
  });

  it('a second time calls onLogout only once', async () => {
    const onLogout = vi.fn<(event: LogoutEvent) => void>();
    const { auth } = setup({ onLogout });

    await auth.logout();
    await auth.logout();

    expect(onLogout).toHaveBeenCalledTimes(1);
  });

  it('makes later requests go out without a token and not refresh on 401', async () => {
    const { api, mock, auth, refreshCalls } = setup();
    mock.onGet('/data').reply(accepting('access-0', 'access-1'));

    await auth.logout();
    const [result] = await Promise.allSettled([api.get('/data')]);

    expect(result?.status).toBe('rejected');
    expect(mock.history.map((config) => tokenOf(config))).toEqual([undefined]);
    expect(refreshCalls).toHaveLength(0);
  });
});

describe('setTokens() for another session while requests wait on a refresh', () => {
  it('rejects them with SESSION_ENDED and sends none with the new token', async () => {
    const answer = deferred<TokenSet>();
    const { api, mock, auth, refreshCalls } = setup({ refresh: () => answer.promise });
    mock.onGet('/data').reply(accepting('access-1', 'session-b'));

    const afterOwn401 = [1, 2].map((n) => track(api.get('/data', { params: { n } })));
    await flush();
    expect(refreshCalls).toHaveLength(1);
    const beforeSending = track(api.get('/data', { params: { n: 3 } }));
    await flush();

    await auth.setTokens({ accessToken: 'session-b', refreshToken: 'refresh-b' });
    await flush();

    for (const request of [...afterOwn401, beforeSending]) expectSessionEnded(request);
    expect(refreshCalls[0]?.signal.aborted).toBe(true);

    answer.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    await flush();

    expect(auth.getTokens()).toEqual({ accessToken: 'session-b', refreshToken: 'refresh-b' });
    expect(mock.history.map((config) => tokenOf(config))).toEqual(['access-0', 'access-0']);

    const response = await api.get('/data');
    expect(tokenOf(response.config)).toBe('session-b');
  });
});
