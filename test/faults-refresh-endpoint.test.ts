import axios from 'axios';
import type MockAdapter from 'axios-mock-adapter';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { LogoutEvent, RefreshContext, RefreshErrorCode, TokenSet } from '../src/index.js';
import { createMock, flush, setup, tokenOf } from './helpers.js';
import { expectRefreshError, fromOAuth, rejectionOf, track } from './faults/support.js';

/**
 * An OAuth 2.0 token endpoint answered by a mock, and the `refresh` an app writes for it: a form
 * POST of the refresh token, its answer mapped with `fromOAuth`. Keeps what `refresh` threw and
 * every refresh token it presented.
 */
function tokenEndpoint(answer: (endpoint: MockAdapter) => void) {
  const client = axios.create({ baseURL: 'https://auth.example.test' });
  const endpoint = createMock(client);
  answer(endpoint);
  const thrown: unknown[] = [];
  const presented: Array<string | undefined> = [];
  const refresh = async ({ refreshToken, signal }: RefreshContext): Promise<TokenSet> => {
    presented.push(refreshToken);
    try {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken ?? '' });
      const { data } = await client.post<unknown>('/token', form, { signal });
      return fromOAuth(data, Date.now());
    } catch (error) {
      thrown.push(error);
      throw error;
    }
  };
  return { refresh, thrown, presented };
}

/** A resource that accepts any token but `access-0`; `seen` gets the token of every request it answers. */
function resource(seen: Array<string | undefined> = []) {
  return (config: { headers?: unknown }): [number, unknown?] => {
    seen.push(tokenOf(config));
    return tokenOf(config) === 'access-0' ? [401] : [200, { token: tokenOf(config) }];
  };
}

const html = '<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>';

const failures: ReadonlyArray<{
  readonly name: string;
  readonly answer: (endpoint: MockAdapter) => void;
  readonly code: RefreshErrorCode;
  /** Whether the session ends (tokens cleared, onLogout once) or the tokens are kept. */
  readonly ends: boolean;
  /** Whether the RefreshError's cause is the error `refresh` threw. */
  readonly caused: boolean;
}> = [
  {
    name: "400 { error: 'invalid_grant' }",
    answer: (e) => e.onPost('/token').reply(400, { error: 'invalid_grant' }),
    code: 'REFRESH_REJECTED',
    ends: true,
    caused: true,
  },
  {
    name: "401 { error: 'invalid_client' }",
    answer: (e) => e.onPost('/token').reply(401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic' }),
    code: 'REFRESH_REJECTED',
    ends: true,
    caused: true,
  },
  {
    name: '503 (a 5xx)',
    answer: (e) => e.onPost('/token').reply(503, html, { 'content-type': 'text/html' }),
    code: 'REFRESH_FAILED',
    ends: false,
    caused: true,
  },
  {
    name: '429 with Retry-After',
    answer: (e) => e.onPost('/token').reply(429, { error: 'slow_down' }, { 'retry-after': '30' }),
    code: 'REFRESH_FAILED',
    ends: false,
    caused: true,
  },
  {
    name: 'a network error',
    answer: (e) => e.onPost('/token').networkError(),
    code: 'REFRESH_FAILED',
    ends: false,
    caused: true,
  },
  {
    name: '200 with an HTML page',
    answer: (e) => e.onPost('/token').reply(200, html, { 'content-type': 'text/html' }),
    code: 'INVALID_REFRESH_RESPONSE',
    ends: false,
    caused: false,
  },
  {
    name: '200 without an access token',
    answer: (e) => e.onPost('/token').reply(200, { token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-1' }),
    code: 'INVALID_REFRESH_RESPONSE',
    ends: false,
    caused: false,
  },
  {
    name: '200 with an empty access token',
    answer: (e) => e.onPost('/token').reply(200, { access_token: '', refresh_token: 'refresh-1' }),
    code: 'INVALID_REFRESH_RESPONSE',
    ends: false,
    caused: false,
  },
  {
    name: '200 with a whitespace access token',
    answer: (e) => e.onPost('/token').reply(200, { access_token: ' \t ', refresh_token: 'refresh-1' }),
    code: 'INVALID_REFRESH_RESPONSE',
    ends: false,
    caused: false,
  },
  {
    name: '200 with a CR-LF in the access token',
    answer: (e) => e.onPost('/token').reply(200, { access_token: 'access-1\r\nX-Injected: 1', refresh_token: 'refresh-1' }),
    code: 'INVALID_REFRESH_RESPONSE',
    ends: false,
    caused: false,
  },
  {
    name: "200 with expires_in 'soon' (a NaN expiry)",
    answer: (e) => e.onPost('/token').reply(200, { access_token: 'access-1', refresh_token: 'refresh-1', expires_in: 'soon' }),
    code: 'INVALID_REFRESH_RESPONSE',
    ends: false,
    caused: false,
  },
];

describe('fault matrix: the refresh endpoint', () => {
  test.each(failures)('answers $name → every waiting request rejects with $code', async ({ answer, code, ends, caused }) => {
    const endpoint = tokenEndpoint(answer);
    const onLogout = vi.fn<(event: LogoutEvent) => void>();
    const { api, mock, auth, refreshCalls } = setup({ refresh: endpoint.refresh, onLogout });
    const tokens = auth.getTokens();
    const seen: Array<string | undefined> = [];
    mock.onGet('/data').reply(resource(seen));

    const results = await Promise.all([1, 2, 3].map((n) => rejectionOf(api.get('/data', { params: { n } }))));

    expect(refreshCalls).toHaveLength(1);
    expect(endpoint.presented).toEqual(['refresh-0']);
    expect(endpoint.thrown).toHaveLength(caused ? 1 : 0);
    for (const error of results) {
      expectRefreshError(error, code);
      expect(error.cause).toBe(caused ? endpoint.thrown[0] : undefined);
    }
    expect(seen).toEqual(['access-0', 'access-0', 'access-0']);
    expect(auth.getTokens()).toBe(ends ? null : tokens);
    expect(onLogout).toHaveBeenCalledTimes(ends ? 1 : 0);
  });

  describe('never answers', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    test('the refresh is cut after refreshTimeout: its signal aborts, waiters reject with REFRESH_TIMEOUT, tokens kept', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const endpoint = tokenEndpoint((e) => e.onPost('/token').reply(() => new Promise<never>(() => undefined)));
      const onLogout = vi.fn<(event: LogoutEvent) => void>();
      const { api, mock, auth, refreshCalls } = setup({ refresh: endpoint.refresh, onLogout, refreshTimeout: 5_000 });
      const tokens = auth.getTokens();
      mock.onGet('/data').reply(resource());

      const waiting = [1, 2].map((n) => track(api.get('/data', { params: { n } })));
      await flush();
      expect(refreshCalls).toHaveLength(1);
      vi.advanceTimersByTime(4_999);
      await flush();
      expect(waiting.map((w) => w.settled)).toEqual([false, false]);

      vi.advanceTimersByTime(1);
      await flush();

      expect(refreshCalls[0]?.signal.aborted).toBe(true);
      for (const request of waiting) {
        expect(request.settled).toBe(true);
        expectRefreshError(request.error, 'REFRESH_TIMEOUT');
      }
      expect(auth.getTokens()).toBe(tokens);
      expect(onLogout).not.toHaveBeenCalled();
      expect(mock.history).toHaveLength(2);
    });
  });

  test('answers 200 with a negative expires_in → the token is used, with no refresh loop over 10 requests', async () => {
    let minted = 0;
    const endpoint = tokenEndpoint((e) =>
      e.onPost('/token').reply(() => {
        minted += 1;
        return [200, { access_token: `access-${minted}`, refresh_token: `refresh-${minted}`, expires_in: -60 }];
      }),
    );
    const { api, mock, auth, refreshCalls } = setup({ refresh: endpoint.refresh });
    const seen: Array<string | undefined> = [];
    mock.onGet('/data').reply(resource(seen));

    for (let n = 1; n <= 10; n += 1) await api.get('/data', { params: { n } });

    expect(refreshCalls).toHaveLength(1);
    expect(auth.getTokens()?.accessToken).toBe('access-1');
    expect(seen).toEqual(['access-0', ...Array<string>(10).fill('access-1')]);
  });

  test('answers 200 without a new refresh token → the old one is kept and presented next time (RFC 6749 §6)', async () => {
    let minted = 0;
    const endpoint = tokenEndpoint((e) =>
      e.onPost('/token').reply(() => {
        minted += 1;
        return [200, { access_token: `access-${minted}`, token_type: 'Bearer', expires_in: 3600 }];
      }),
    );
    const { api, mock, auth } = setup({ refresh: endpoint.refresh });
    mock.onGet('/data').reply(resource());

    await api.get('/data');
    expect(auth.getTokens()).toMatchObject({ accessToken: 'access-1', refreshToken: 'refresh-0' });
    await auth.refresh({ force: true });

    expect(auth.getTokens()).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-0' });
    expect(endpoint.presented).toEqual(['refresh-0', 'refresh-0']);
  });
});
