import axios, { isAxiosError } from 'axios';
import type { AxiosError } from 'axios';
import { describe, expect, test } from 'vitest';
import { attachRefreshInterceptor } from '../src/index.js';
import type { RefreshContext } from '../src/index.js';
import { setup, tokenOf } from './helpers.js';
import { listen, rejectionOf } from './faults/support.js';

describe('replays happen in the library’s adapter', () => {
  test("the app's request and response interceptors see a replayed request once, with its final outcome", async () => {
    const { api, mock, refreshCalls } = setup();
    const seen: string[] = [];
    api.interceptors.request.use((config) => {
      seen.push(`request ${String(config.url)}`);
      return config;
    });
    api.interceptors.response.use(
      (response) => {
        seen.push(`response ${response.status}`);
        return response;
      },
      (error: unknown) => {
        seen.push(`error ${isAxiosError(error) ? String(error.response?.status) : 'other'}`);
        throw error;
      },
    );
    const sent: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      sent.push(tokenOf(config));
      return tokenOf(config) === 'access-1' ? [200, { ok: true }] : [401];
    });

    const response = await api.get('/me');

    expect(response.data).toEqual({ ok: true });
    expect(sent).toEqual(['access-0', 'access-1']);
    expect(refreshCalls).toHaveLength(1);
    expect(seen).toEqual(['request /me', 'response 200']);
  });

  test('a replay that fails again reaches the response interceptors once, as axios made it (body transformed)', async () => {
    const { api, mock } = setup();
    const seen: unknown[] = [];
    api.interceptors.response.use(undefined, (error: unknown) => {
      seen.push(isAxiosError(error) ? error.response?.data : error);
      throw error;
    });
    mock.onGet('/me').reply((config) => [401, JSON.stringify({ attempt: tokenOf(config) })]);

    const error = await rejectionOf(api.get('/me'));

    expect(seen).toEqual([{ attempt: 'access-1' }]);
    expect(error).toMatchObject({ response: { status: 401, data: { attempt: 'access-1' } } });
  });
});

describe('shouldRefresh over a real HTTP server', () => {
  test('sees the 401 body as response interceptors would (JSON parsed by transformResponse), and only then refreshes', async () => {
    const server = await listen((request, response) => {
      const token = request.headers.authorization;
      response.setHeader('content-type', 'application/json');
      if (token === 'Bearer access-1') {
        response.end(JSON.stringify({ ok: true }));
        return;
      }
      response.statusCode = 401;
      response.end(JSON.stringify({ error: request.url === '/expired' ? 'token_expired' : 'invalid_token' }));
    });
    try {
      const api = axios.create({ baseURL: server.origin, adapter: 'http' });
      const bodies: unknown[] = [];
      const refreshCalls: RefreshContext[] = [];
      attachRefreshInterceptor(api, {
        tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' },
        refresh: (context) => {
          refreshCalls.push(context);
          return { accessToken: 'access-1' };
        },
        shouldRefresh: (error: AxiosError<unknown, unknown>) => {
          bodies.push(error.response?.data);
          return (error.response?.data as { error?: unknown } | undefined)?.error === 'token_expired';
        },
      });

      const refused = await rejectionOf(api.get('/invalid'));
      expect(refused).toMatchObject({ response: { status: 401, data: { error: 'invalid_token' } } });
      expect(refreshCalls).toHaveLength(0);

      await expect(api.get('/expired')).resolves.toMatchObject({ data: { ok: true } });
      expect(refreshCalls).toHaveLength(1);
      expect(bodies).toEqual([{ error: 'invalid_token' }, { error: 'token_expired' }]);
    } finally {
      await server.close();
    }
  });
});
