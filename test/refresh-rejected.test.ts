import axios from 'axios';
import { describe, expect, it, vi } from 'vitest';
import { RefreshError, isRefreshError } from '../src/index.js';
import type { LogoutEvent, RefreshContext, RefreshInterceptorOptions, TokenSet } from '../src/index.js';
import { createMock, deferred, flush, setup, tokenOf } from './helpers.js';

/** How the first refresh fails: an answer of the token endpoint, or an error `refresh` throws. */
type Failure = { readonly status: number; readonly body?: unknown } | { readonly error: unknown };

/**
 * A token endpoint on its own instance, answered by a mock. The first refresh waits for `release`,
 * then fails as `first` says; later ones answer `access-2`. Every error `refresh` throws is kept.
 */
function tokenEndpoint(first: Failure, release: Promise<void>) {
  const client = axios.create({ baseURL: 'https://auth.example.test' });
  const endpoint = createMock(client);
  if ('status' in first) endpoint.onPost('/token').replyOnce(first.status, first.body);
  endpoint.onPost('/token').reply(200, { accessToken: 'access-2', refreshToken: 'refresh-2' });
  const thrown: unknown[] = [];
  let calls = 0;
  const refresh = async ({ refreshToken, signal }: RefreshContext): Promise<TokenSet> => {
    calls += 1;
    try {
      if (calls === 1) {
        await release;
        if ('error' in first) throw first.error;
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

function expectRejectedRefresh(error: unknown, cause: unknown): void {
  expect(error).toBeInstanceOf(RefreshError);
  expect(isRefreshError(error)).toBe(true);
  if (!isRefreshError(error)) return;
  expect(error.code).toBe('REFRESH_REJECTED');
  expect(error.cause).toBe(cause);
}

class GrantRevoked extends Error {
  override readonly name = 'GrantRevoked';
}

const cases: ReadonlyArray<{
  readonly name: string;
  readonly failure: Failure;
  readonly options?: Pick<RefreshInterceptorOptions, 'isRefreshRejected'>;
}> = [
  { name: "a 400 response with error 'invalid_grant'", failure: { status: 400, body: { error: 'invalid_grant' } } },
  { name: 'a 400 response without a body', failure: { status: 400 } },
  { name: 'a 401 response', failure: { status: 401 } },
  {
    name: 'an error of its own that isRefreshRejected accepts',
    failure: { error: new GrantRevoked('the grant was revoked') },
    options: { isRefreshRejected: (error: unknown) => error instanceof GrantRevoked },
  },
  {
    name: "an error without a status whose body says 'invalid_grant'",
    failure: { error: Object.assign(new Error('refused'), { response: { data: { error: 'invalid_grant' } } }) },
  },
  {
    name: "an error with status 200 whose body says 'invalid_grant'",
    failure: {
      error: Object.assign(new Error('refused'), { response: { status: 200, data: { error: 'invalid_grant' } } }),
    },
  },
];

describe.each(cases)('a refresh rejected with $name', ({ failure, options }) => {
  it('clears the tokens, calls onLogout once and rejects every one of 5 waiting requests with REFRESH_REJECTED', async () => {
    const release = deferred();
    const endpoint = tokenEndpoint(failure, release.promise);
    const onLogout = vi.fn<(event: LogoutEvent) => void>();
    const { api, mock, auth, refreshCalls } = setup({ ...options, refresh: endpoint.refresh, onLogout });
    mock.onGet('/data').reply(401);

    const waiting = Promise.allSettled([1, 2, 3, 4, 5].map((n) => api.get('/data', { params: { n } })));
    await flush();
    expect(mock.history).toHaveLength(5);
    expect(refreshCalls).toHaveLength(1);
    expect(auth.getTokens()).not.toBeNull();

    release.resolve();
    const results = await waiting;

    expect(endpoint.thrown).toHaveLength(1);
    const [original] = endpoint.thrown;
    expect(auth.getTokens()).toBeNull();
    expect(onLogout).toHaveBeenCalledTimes(1);
    const event = onLogout.mock.calls[0]?.[0];
    expect(event?.reason).toBe('refresh-rejected');
    expectRejectedRefresh(event?.error, original);
    expect(results).toHaveLength(5);
    for (const result of results) expectRejectedRefresh(reasonOf(result), original);
    expect(mock.history).toHaveLength(5);
    expect(refreshCalls).toHaveLength(1);
  });
});

describe('after a rejected refresh', () => {
  it('sends requests without a token and refreshes on 401 only once setTokens starts a new session', async () => {
    const endpoint = tokenEndpoint({ status: 400, body: { error: 'invalid_grant' } }, Promise.resolve());
    const onLogout = vi.fn<(event: LogoutEvent) => void>();
    const { api, mock, auth, refreshCalls } = setup({ refresh: endpoint.refresh, onLogout });
    const seen: Array<string | undefined> = [];
    mock.onGet('/data').reply((config) => {
      seen.push(tokenOf(config));
      return tokenOf(config) === 'access-2' ? [200, { ok: true }] : [401];
    });

    expectRejectedRefresh(reasonOf((await Promise.allSettled([api.get('/data')]))[0]), endpoint.thrown[0]);
    expect(auth.getTokens()).toBeNull();
    expect(seen).toEqual(['access-0']);

    const anonymous = reasonOf((await Promise.allSettled([api.get('/data')]))[0]);
    expect(axios.isAxiosError(anonymous)).toBe(true);
    expect(isRefreshError(anonymous)).toBe(false);
    if (axios.isAxiosError(anonymous)) expect(anonymous.response?.status).toBe(401);
    expect(seen).toEqual(['access-0', undefined]);
    expect(refreshCalls).toHaveLength(1);

    await auth.setTokens({ accessToken: 'access-new', refreshToken: 'refresh-new' });
    const response = await api.get('/data');

    expect(response.data).toEqual({ ok: true });
    expect(seen).toEqual(['access-0', undefined, 'access-new', 'access-2']);
    expect(refreshCalls).toHaveLength(2);
    expect(refreshCalls[1]?.refreshToken).toBe('refresh-new');
    expect(onLogout).toHaveBeenCalledTimes(1);
  });
});

describe('an onLogout that fails', () => {
  const boom = new Error('onLogout failed');

  it.each([
    {
      how: 'throws',
      onLogout: (): void => {
        throw boom;
      },
    },
    { how: 'rejects', onLogout: async (): Promise<void> => Promise.reject(boom) },
  ])('that $how: waiting requests reject with its error and the tokens are cleared', async ({ onLogout }) => {
    const release = deferred();
    const endpoint = tokenEndpoint({ status: 401 }, release.promise);
    const logout = vi.fn(onLogout);
    const { api, mock, auth } = setup({ refresh: endpoint.refresh, onLogout: logout });
    mock.onGet('/data').reply(401);

    const waiting = Promise.allSettled([1, 2, 3].map((n) => api.get('/data', { params: { n } })));
    await flush();
    release.resolve();
    const results = await waiting;
    await flush();

    for (const result of results) expect(reasonOf(result)).toBe(boom);
    expect(auth.getTokens()).toBeNull();
    expect(logout).toHaveBeenCalledTimes(1);
    expect(mock.history).toHaveLength(3);
  });
});
