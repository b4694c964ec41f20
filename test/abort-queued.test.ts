import axios from 'axios';
import type { InternalAxiosRequestConfig } from 'axios';
import { describe, expect, it } from 'vitest';
import type { TokenSet } from '../src/index.js';
import { deferred, flush, setup, tokenOf } from './helpers.js';

/** How a request settled, readable before it has. */
function track(promise: Promise<unknown>) {
  const state: { settled: boolean; rejected: boolean; error: unknown } = { settled: false, rejected: false, error: undefined };
  promise.then(
    () => {
      state.settled = true;
    },
    (error: unknown) => {
      state.settled = true;
      state.rejected = true;
      state.error = error;
    },
  );
  return state;
}

/** Answers 401 unless the request carries `access-1`, the token the refresh mints. */
const needsFreshToken = (config: InternalAxiosRequestConfig | { headers?: unknown }): [number, unknown?] =>
  tokenOf(config) === 'access-1' ? [200, { ok: true }] : [401];

const fresh: TokenSet = { accessToken: 'access-1', refreshToken: 'refresh-1' };

describe('a queued request whose signal aborts', () => {
  it('rejects at once as a cancellation while waiting for a refresh before being sent, and is never sent', async () => {
    const answer = deferred<TokenSet>();
    const { api, mock, refreshCalls } = setup({ refresh: () => answer.promise });
    mock.onGet('/stale').reply(needsFreshToken);
    mock.onGet('/queued').reply(needsFreshToken);
    mock.onGet('/other').reply(needsFreshToken);
    const hits = (url: string): number => mock.history.filter((config) => config.url === url).length;

    const stale = api.get('/stale');
    await flush();
    expect(refreshCalls).toHaveLength(1);
    const controller = new AbortController();
    const queued = track(api.get('/queued', { signal: controller.signal }));
    const other = api.get('/other');
    await flush();
    expect(queued.settled).toBe(false);

    controller.abort();
    await flush();
    expect(queued.settled).toBe(true);
    expect(queued.rejected).toBe(true);
    expect(axios.isCancel(queued.error)).toBe(true);

    answer.resolve(fresh);
    const [staleResponse, otherResponse] = await Promise.all([stale, other]);
    await flush();

    expect(tokenOf(staleResponse.config)).toBe('access-1');
    expect(tokenOf(otherResponse.config)).toBe('access-1');
    expect(hits('/queued')).toBe(0);
    expect(hits('/stale')).toBe(2);
    expect(hits('/other')).toBe(1);
  });

  it('rejects at once as a cancellation while waiting after its own 401, and is not replayed', async () => {
    const answer = deferred<TokenSet>();
    const { api, mock, refreshCalls } = setup({ refresh: () => answer.promise });
    mock.onGet('/mine').reply(needsFreshToken);
    mock.onGet('/theirs').reply(needsFreshToken);
    const hits = (url: string): number => mock.history.filter((config) => config.url === url).length;

    const controller = new AbortController();
    const mine = track(api.get('/mine', { signal: controller.signal }));
    const theirs = api.get('/theirs');
    await flush();
    expect(refreshCalls).toHaveLength(1);
    expect(hits('/mine')).toBe(1);
    expect(mine.settled).toBe(false);

    controller.abort();
    await flush();
    expect(mine.settled).toBe(true);
    expect(mine.rejected).toBe(true);
    expect(axios.isCancel(mine.error)).toBe(true);

    answer.resolve(fresh);
    const response = await theirs;
    await flush();

    expect(tokenOf(response.config)).toBe('access-1');
    expect(hits('/mine')).toBe(1);
    expect(hits('/theirs')).toBe(2);
    expect(refreshCalls).toHaveLength(1);
  });

  it('leaves no unhandled rejection when every waiter aborted and the refresh then fails', async () => {
    const answer = deferred<TokenSet>();
    const { api, mock, auth, refreshCalls } = setup({ refresh: () => answer.promise });
    mock.onGet('/data').reply(needsFreshToken);
    const tokens = auth.getTokens();

    const controller = new AbortController();
    const afterOwn401 = [1, 2].map((n) => track(api.get('/data', { params: { n }, signal: controller.signal })));
    await flush();
    expect(refreshCalls).toHaveLength(1);
    const beforeSending = [3, 4].map((n) => track(api.get('/data', { params: { n }, signal: controller.signal })));
    await flush();
    expect(mock.history).toHaveLength(2);

    controller.abort();
    await flush();
    answer.reject(new Error('refresh endpoint unreachable'));
    await flush();

    for (const request of [...afterOwn401, ...beforeSending]) {
      expect(request.rejected).toBe(true);
      expect(axios.isCancel(request.error)).toBe(true);
    }
    expect(mock.history).toHaveLength(2);
    expect(auth.getTokens()).toBe(tokens);
  });
});
