import axios from 'axios';
import type MockAdapter from 'axios-mock-adapter';
import { describe, expect, it, vi } from 'vitest';
import { RefreshError, isRefreshError } from '../src/index.js';
import type { LogoutEvent, RefreshContext, TokenSet } from '../src/index.js';
import { createMock, deferred, flush, setup, tokenOf } from './helpers.js';

const ACCESS = 'secret-access-7f3a';
const REFRESH = 'secret-refresh-9c1e';

/**
 * A token endpoint on its own instance, answered by a mock. The first refresh waits for `release`,
 * then fails as `fail` sets up (on the mock, or by throwing); later ones answer `access-2`.
 */
function tokenEndpoint(fail: (endpoint: MockAdapter) => void, release: Promise<void>) {
  const client = axios.create({ baseURL: 'https://auth.example.test' });
  const endpoint = createMock(client);
  const thrown: unknown[] = [];
  let calls = 0;
  const refresh = async ({ refreshToken, signal }: RefreshContext): Promise<TokenSet> => {
    calls += 1;
    try {
      if (calls === 1) {
        await release;
        fail(endpoint);
      } else {
        endpoint.reset();
        endpoint.onPost('/token').reply(200, { accessToken: 'access-2', refreshToken: 'refresh-2' });
      }
      const { data } = await client.post<TokenSet>('/token', { refreshToken }, { signal });
      return data;
    } catch (error) {
      thrown.push(error);
      throw error;
    }
  };
  return { refresh, thrown };
}

function reasonOf(result: PromiseSettledResult<unknown> | undefined): unknown {
  expect(result?.status).toBe('rejected');
  return result?.status === 'rejected' ? result.reason : undefined;
}

const cases: ReadonlyArray<{ readonly name: string; readonly fail: (endpoint: MockAdapter) => void }> = [
  { name: 'a network error', fail: (endpoint) => endpoint.onPost('/token').networkError() },
  { name: 'a 500 response', fail: (endpoint) => endpoint.onPost('/token').reply(500, { error: 'server_error' }) },
  { name: 'a 503 response', fail: (endpoint) => endpoint.onPost('/token').reply(503) },
  { name: 'a 429 response', fail: (endpoint) => endpoint.onPost('/token').reply(429, { error: 'slow_down' }) },
  {
    name: 'a plain Error thrown by refresh',
    fail: () => {
      throw new Error(`could not refresh ${REFRESH} for ${ACCESS}`);
    },
  },
];

describe.each(cases)('a refresh that fails with $name', ({ fail }) => {
  it('keeps the tokens, does not log out and rejects the waiting requests with REFRESH_FAILED', async () => {
    const release = deferred();
    const endpoint = tokenEndpoint(fail, release.promise);
    const onLogout = vi.fn<(event: LogoutEvent) => void>();
    const { api, mock, auth, refreshCalls } = setup(
      { refresh: endpoint.refresh, onLogout },
      { accessToken: ACCESS, refreshToken: REFRESH },
    );
    const tokens = auth.getTokens();
    mock.onGet('/data').reply(401);

    const waiting = Promise.allSettled([1, 2, 3].map((n) => api.get('/data', { params: { n } })));
    await flush();
    expect(refreshCalls).toHaveLength(1);
    release.resolve();
    const results = await waiting;

    expect(endpoint.thrown).toHaveLength(1);
    const [original] = endpoint.thrown;
    expect(auth.getTokens()).toBe(tokens);
    expect(onLogout).not.toHaveBeenCalled();
    expect(mock.history).toHaveLength(3);
    for (const result of results) {
      const error = reasonOf(result);
      expect(error).toBeInstanceOf(RefreshError);
      expect(isRefreshError(error)).toBe(true);
      if (!isRefreshError(error)) continue;
      expect(error.code).toBe('REFRESH_FAILED');
      expect(error.cause).toBe(original);
    }
  });

  it('refreshes again for a later 401 and replays the request with the new token', async () => {
    const endpoint = tokenEndpoint(fail, Promise.resolve());
    const onLogout = vi.fn<(event: LogoutEvent) => void>();
    const { api, mock, refreshCalls } = setup(
      { refresh: endpoint.refresh, onLogout },
      { accessToken: ACCESS, refreshToken: REFRESH },
    );
    const seen: Array<string | undefined> = [];
    mock.onGet('/data').reply((config) => {
      seen.push(tokenOf(config));
      return tokenOf(config) === 'access-2' ? [200, { ok: true }] : [401];
    });

    const first = await Promise.allSettled([api.get('/data')]);
    expect(isRefreshError(reasonOf(first[0]))).toBe(true);
    const response = await api.get('/data');

    expect(response.data).toEqual({ ok: true });
    expect(refreshCalls).toHaveLength(2);
    expect(refreshCalls[1]?.refreshToken).toBe(REFRESH);
    expect(seen).toEqual([ACCESS, ACCESS, 'access-2']);
    expect(onLogout).not.toHaveBeenCalled();
  });

  it('gives the waiting requests an error whose text contains neither token', async () => {
    const endpoint = tokenEndpoint(fail, Promise.resolve());
    const { api, mock } = setup({ refresh: endpoint.refresh }, { accessToken: ACCESS, refreshToken: REFRESH });
    mock.onGet('/data').reply(401);

    const [result] = await Promise.allSettled([api.get('/data')]);
    const error = reasonOf(result);

    expect(isRefreshError(error)).toBe(true);
    if (!isRefreshError(error)) return;
    for (const text of [String(error), error.message, JSON.stringify(error)]) {
      expect(text).not.toContain(ACCESS);
      expect(text).not.toContain(REFRESH);
    }
  });
});
