import { describe, expect, test } from 'vitest';
import type { TokenSet } from '../src/index.js';
import { deferred, flush, setup, tokenOf } from './helpers.js';

describe('requests made while a refresh is in flight', () => {
  test('holds requests started during a refresh until it settles and sends them with the new token', async () => {
    const refreshed = deferred<TokenSet>();
    const { api, mock, refreshCalls } = setup({ refresh: () => refreshed.promise });
    const sent: string[] = [];
    mock.onAny(/^\/\w+$/).reply((config) => {
      const token = tokenOf(config);
      sent.push(`${String(config.method)} ${String(config.url)} ${String(token)}`);
      return token === 'access-1' ? [200, { url: config.url, token }] : [401];
    });

    const first = api.get('/first');
    await flush();
    expect(refreshCalls).toHaveLength(1);
    expect(sent).toEqual(['get /first access-0']);

    const queued = [api.get('/second'), api.get('/third'), api.post('/fourth', { n: 4 })];
    await flush();
    expect(sent).toEqual(['get /first access-0']);

    refreshed.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const [firstResponse, ...queuedResponses] = await Promise.all([first, ...queued]);

    expect(firstResponse.data).toEqual({ url: '/first', token: 'access-1' });
    expect(queuedResponses.map((response) => response.data)).toEqual([
      { url: '/second', token: 'access-1' },
      { url: '/third', token: 'access-1' },
      { url: '/fourth', token: 'access-1' },
    ]);
    expect(refreshCalls).toHaveLength(1);
    expect(sent.slice(1).sort()).toEqual([
      'get /first access-1',
      'get /second access-1',
      'get /third access-1',
      'post /fourth access-1',
    ]);
  });

  test('never sends a request with the stale token once a refresh has started', async () => {
    const refreshed = deferred<TokenSet>();
    const { api, mock, refreshCalls } = setup({ refresh: () => refreshed.promise });
    const authorizations: (string | undefined)[] = [];
    mock.onGet(/^\/items\/\d+$/).reply((config) => {
      const token = tokenOf(config);
      authorizations.push(token);
      return token === 'access-1' ? [200, { token }] : [401];
    });

    const trigger = api.get('/items/0');
    await flush();
    expect(refreshCalls).toHaveLength(1);
    const during = Array.from({ length: 10 }, (_, i) => api.get(`/items/${i + 1}`));
    await flush();
    refreshed.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    await Promise.all([trigger, ...during]);

    expect(authorizations).toEqual(['access-0', ...Array<string>(11).fill('access-1')]);
    expect(refreshCalls).toHaveLength(1);
  });

  test('holds requests made while a proactive refresh runs (token within the leeway of its expiry)', async () => {
    let clock = 1_000_000;
    const refreshed = deferred<TokenSet>();
    const { api, mock, refreshCalls } = setup(
      { refresh: () => refreshed.promise, now: () => clock, leeway: 30_000 },
      { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: clock + 100_000 },
    );
    const sent: string[] = [];
    mock.onGet(/^\/\w+$/).reply((config) => {
      sent.push(`${String(config.url)} ${String(tokenOf(config))}`);
      return [200, { token: tokenOf(config) }];
    });

    clock += 80_000; // 20 s before expiry, inside the 30 s leeway
    const first = api.get('/first');
    await flush();
    expect(refreshCalls).toHaveLength(1);
    const second = api.get('/second');
    await flush();
    expect(sent).toEqual([]);

    refreshed.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1', expiresAt: clock + 3_600_000 });
    const responses = await Promise.all([first, second]);

    expect(responses.map((response) => response.data)).toEqual([{ token: 'access-1' }, { token: 'access-1' }]);
    expect(sent).toEqual(['/first access-1', '/second access-1']);
    expect(refreshCalls).toHaveLength(1);
  });

  test('sends a request to a foreign origin at once, without a token, while a refresh is in flight', async () => {
    const refreshed = deferred<TokenSet>();
    const { api, mock, refreshCalls } = setup({ refresh: () => refreshed.promise });
    mock.onGet('/me').reply((config) => (tokenOf(config) === 'access-1' ? [200, { token: 'access-1' }] : [401]));
    mock.onGet('https://cdn.example.test/logo.txt').reply((config) => [200, { token: tokenOf(config) ?? null }]);

    const own = api.get('/me');
    await flush();
    expect(refreshCalls).toHaveLength(1);

    let foreignData: unknown;
    const foreign = api.get('https://cdn.example.test/logo.txt').then((response) => {
      foreignData = response.data;
    });
    await flush();
    expect(foreignData).toEqual({ token: null });

    refreshed.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    await foreign;
    await expect(own).resolves.toMatchObject({ data: { token: 'access-1' } });
  });
});
