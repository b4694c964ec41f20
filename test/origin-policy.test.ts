import axios, { isAxiosError } from 'axios';
import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { describe, expect, test } from 'vitest';
import { attachRefreshInterceptor } from '../src/index.js';
import { BASE_URL, createMock, setup, tokenOf } from './helpers.js';
import type { Setup } from './helpers.js';

/** Answers `url` with the token the request carried. */
function echoToken({ mock }: Setup, url: string): void {
  mock.onGet(url).reply((config) => [200, { token: tokenOf(config) }]);
}

/**
 * The URL axios resolves for a request the mock received. (The mock's config type comes from
 * axios's CommonJS typings, nominally different from the ESM ones; the object is the same.)
 */
function targetOf(api: AxiosInstance, config: object): string {
  return api.getUri(config as AxiosRequestConfig);
}

describe('origin policy', () => {
  test.each([
    ['an absolute URL to another host', 'https://evil.example.test/steal'],
    ['a protocol-relative URL', '//evil.example.test/steal'],
    ['a host that starts with the own host', 'https://api.example.test.evil.example.test/steal'],
    ['userinfo that looks like the own host', 'https://api.example.test@evil.example.test/steal'],
    ['the own host over http', 'http://api.example.test/steal'],
    ['the own host on another port', 'https://api.example.test:8443/steal'],
  ])('sends no token to %s', async (_, url) => {
    const { api, mock } = setup();
    // Matched by pattern: the mock strips a leading baseURL from the URL before it matches strings.
    mock.onGet(/\/(steal|me)$/).reply((config) => [200, { target: targetOf(api, config), token: tokenOf(config) }]);

    const foreign = await api.get(url);
    const own = await api.get('/me');

    expect(foreign.data).toEqual({ target: url, token: undefined });
    expect(own.data).toEqual({ target: `${BASE_URL}/me`, token: 'access-0' });
  });

  test('sends no token when a per-request baseURL points to another origin', async () => {
    const s = setup();
    echoToken(s, 'https://evil.example.test/me');

    const { data } = await s.api.get('/me', { baseURL: 'https://evil.example.test' });

    expect(data).toEqual({ token: undefined });
  });

  test('sends the token when allowAbsoluteUrls: false keeps an absolute URL on the baseURL', async () => {
    const s = setup();
    const seen: Array<{ url: string; token: string | undefined }> = [];
    s.mock.onGet('https://evil.example.test/steal').reply((config) => {
      seen.push({ url: targetOf(s.api, config), token: tokenOf(config) });
      return [200];
    });

    await s.api.get('https://evil.example.test/steal', { allowAbsoluteUrls: false });
    await s.api.get('https://evil.example.test/steal', { allowAbsoluteUrls: true });

    expect(seen).toEqual([
      { url: `${BASE_URL}/https://evil.example.test/steal`, token: 'access-0' },
      { url: 'https://evil.example.test/steal', token: undefined },
    ]);
  });

  test('sends no token to an absolute URL from an instance without baseURL, even to a known host', async () => {
    const api = axios.create();
    const mock = createMock(api);
    attachRefreshInterceptor(api, { refresh: () => ({ accessToken: 'access-1' }), tokens: { accessToken: 'access-0' } });
    mock.onGet(`${BASE_URL}/me`).reply((config) => [200, { token: tokenOf(config) }]);

    const { data } = await api.get(`${BASE_URL}/me`);

    expect(data).toEqual({ token: undefined });
  });

  test('sends the token to exactly the allowed origins: same scheme, host and port', async () => {
    const s = setup({ allowedOrigins: ['https://files.example.test', 'http://legacy.example.test:8080'] });
    const urls = [
      'https://files.example.test/a',
      'http://legacy.example.test:8080/a',
      'http://files.example.test/a',
      'https://files.example.test:8443/a',
      'https://cdn.files.example.test/a',
      'http://legacy.example.test/a',
      'https://legacy.example.test:8080/a',
    ];
    for (const url of urls) echoToken(s, url);

    const tokens: Record<string, unknown> = {};
    for (const url of urls) tokens[url] = (await s.api.get<{ token?: string }>(url)).data.token;

    expect(tokens).toEqual({
      'https://files.example.test/a': 'access-0',
      'http://legacy.example.test:8080/a': 'access-0',
      'http://files.example.test/a': undefined,
      'https://files.example.test:8443/a': undefined,
      'https://cdn.files.example.test/a': undefined,
      'http://legacy.example.test/a': undefined,
      'https://legacy.example.test:8080/a': undefined,
    });
  });

  test('sends no token when an interceptor that runs after the library rewrites the URL to another origin', async () => {
    const api = axios.create({ baseURL: BASE_URL });
    const mock = createMock(api);
    // Registered first, so axios runs it after the library's request interceptor.
    api.interceptors.request.use((config) => {
      config.url = 'https://evil.example.test/me';
      return config;
    });
    attachRefreshInterceptor(api, { refresh: () => ({ accessToken: 'access-1' }), tokens: { accessToken: 'access-0' } });
    mock.onGet('https://evil.example.test/me').reply((config) => [200, { token: tokenOf(config) }]);

    const { data } = await api.get('/me');

    expect(data).toEqual({ token: undefined });
  });

  test('does not refresh on a 401 from another origin, which was sent no token', async () => {
    const s = setup();
    s.mock.onGet('https://evil.example.test/me').reply(401);

    const error: unknown = await s.api.get('https://evil.example.test/me').catch((e: unknown) => e);

    expect(isAxiosError(error) && error.response?.status).toBe(401);
    expect(s.refreshCalls).toHaveLength(0);
    expect(s.mock.history['get']).toHaveLength(1);
    expect(s.auth.getTokens()).toEqual({ accessToken: 'access-0', refreshToken: 'refresh-0' });
  });
});
