import axios from 'axios';
import { describe, expect, test } from 'vitest';
import type { TokenSet } from '../src/index.js';
import { deferred, flush, setup, tokenOf } from './helpers.js';

/** The raw value of header `name` on the request the mock received, or `undefined` when absent. */
function headerOf(config: { headers?: unknown }, name: string): unknown {
  const { headers } = config;
  return headers instanceof axios.AxiosHeaders && headers.has(name) ? headers.get(name) : undefined;
}

describe('one refresh for many failures', () => {
  test.each([5, 50])(
    'makes one refresh call when %i requests fail with 401 at once and replays each once with the new token',
    async (count) => {
      const refreshed = deferred<TokenSet>();
      const { api, mock, refreshCalls } = setup({ refresh: () => refreshed.promise });
      const firstReplies = deferred();
      const tokensSeen = new Map<string, (string | undefined)[]>();
      mock.onGet(/^\/items\/\d+$/).reply(async (config) => {
        const url = String(config.url);
        const tokens = [...(tokensSeen.get(url) ?? []), tokenOf(config)];
        tokensSeen.set(url, tokens);
        if (tokens.length === 1) {
          await firstReplies.promise;
          return [401, { error: 'expired', url }];
        }
        return [200, { url, attempt: tokens.length, token: tokenOf(config) }];
      });

      const results = Array.from({ length: count }, (_, i) => api.get(`/items/${i}`));
      await flush();
      expect(tokensSeen.size).toBe(count);
      firstReplies.resolve();
      await flush();

      expect(refreshCalls).toHaveLength(1);
      expect([...tokensSeen.values()].every((tokens) => tokens.length === 1)).toBe(true);

      refreshed.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1' });
      const responses = await Promise.all(results);

      expect(refreshCalls).toHaveLength(1);
      expect(refreshCalls[0]?.refreshToken).toBe('refresh-0');
      responses.forEach((response, i) => {
        expect(response.status).toBe(200);
        expect(response.data).toEqual({ url: `/items/${i}`, attempt: 2, token: 'access-1' });
        expect(tokensSeen.get(`/items/${i}`)).toEqual(['access-0', 'access-1']);
      });
    },
  );

  test('replays each request with its original method, URL, params, body and custom headers', async () => {
    const { api, mock, refreshCalls } = setup();
    interface Attempt {
      method: string | undefined;
      url: string | undefined;
      params: unknown;
      data: unknown;
      contentType: unknown;
      token: string | undefined;
    }
    const attempts = new Map<string, Attempt[]>();
    mock.onAny().reply((config) => {
      const id = String(headerOf(config, 'X-Request-Id'));
      const seen = [
        ...(attempts.get(id) ?? []),
        {
          method: config.method,
          url: config.url,
          params: config.params,
          data: config.data,
          contentType: headerOf(config, 'Content-Type'),
          token: tokenOf(config),
        },
      ];
      attempts.set(id, seen);
      return seen.length === 1 ? [401, { error: 'expired' }] : [200, { id, attempt: seen.length }];
    });

    const responses = await Promise.all([
      api.post('/orders', { item: 'book', qty: 2 }, { params: { page: 2, q: 'a b' }, headers: { 'X-Request-Id': 'json' } }),
      api.put('/profile', new URLSearchParams({ name: 'Ada Lovelace', lang: 'en' }), {
        params: { v: 1 },
        headers: { 'X-Request-Id': 'form' },
      }),
      api.patch('/notes/7', 'a plain text note', { headers: { 'Content-Type': 'text/plain', 'X-Request-Id': 'text' } }),
      api.delete('/sessions/3', { params: { all: true }, headers: { 'X-Request-Id': 'delete' } }),
    ]);

    expect(refreshCalls).toHaveLength(1);
    expect(responses.map((response) => response.data)).toEqual([
      { id: 'json', attempt: 2 },
      { id: 'form', attempt: 2 },
      { id: 'text', attempt: 2 },
      { id: 'delete', attempt: 2 },
    ]);

    const json = attempts.get('json');
    expect(json).toHaveLength(2);
    expect(json?.[1]).toMatchObject({ method: 'post', url: '/orders', params: { page: 2, q: 'a b' }, token: 'access-1' });
    expect(JSON.parse(String(json?.[1]?.data))).toEqual({ item: 'book', qty: 2 });
    expect(String(json?.[1]?.contentType)).toMatch(/^application\/json/);

    const form = attempts.get('form');
    expect(form).toHaveLength(2);
    expect(form?.[1]).toMatchObject({ method: 'put', url: '/profile', params: { v: 1 }, token: 'access-1' });
    expect(Object.fromEntries(new URLSearchParams(String(form?.[1]?.data)))).toEqual({ name: 'Ada Lovelace', lang: 'en' });
    expect(String(form?.[1]?.contentType)).toMatch(/^application\/x-www-form-urlencoded/);

    const text = attempts.get('text');
    expect(text).toHaveLength(2);
    expect(text?.[1]).toMatchObject({ method: 'patch', url: '/notes/7', data: 'a plain text note', token: 'access-1' });
    expect(text?.[1]?.contentType).toBe('text/plain');

    const remove = attempts.get('delete');
    expect(remove).toHaveLength(2);
    expect(remove?.[1]).toMatchObject({ method: 'delete', url: '/sessions/3', params: { all: true }, token: 'access-1' });

    for (const seen of attempts.values()) {
      expect(seen[0]?.token).toBe('access-0');
      expect({ ...seen[1], token: undefined }).toEqual({ ...seen[0], token: undefined });
    }
  });

  test('keeps the refresh token when the refresh answer has none, and gives it to the next refresh', async () => {
    const answers: TokenSet[] = [{ accessToken: 'access-1' }, { accessToken: 'access-2', refreshToken: 'refresh-2' }];
    const { api, mock, auth, refreshCalls } = setup({
      refresh: () => {
        const next = answers.shift();
        if (!next) throw new Error('no refresh answer left');
        return next;
      },
    });
    let accepted = 'access-1';
    mock.onGet('/me').reply((config) => (tokenOf(config) === accepted ? [200, { token: accepted }] : [401]));

    await expect(api.get('/me')).resolves.toMatchObject({ data: { token: 'access-1' } });
    expect(auth.getTokens()).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-0' });

    accepted = 'access-2';
    await expect(api.get('/me')).resolves.toMatchObject({ data: { token: 'access-2' } });

    expect(refreshCalls.map((call) => call.refreshToken)).toEqual(['refresh-0', 'refresh-0']);
    expect(refreshCalls[1]?.tokens).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-0' });
    expect(auth.getTokens()).toEqual({ accessToken: 'access-2', refreshToken: 'refresh-2' });
  });
});
