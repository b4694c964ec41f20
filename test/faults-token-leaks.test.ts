import type { IncomingMessage, ServerResponse } from 'node:http';
import axios from 'axios';
import type { AxiosRequestConfig } from 'axios';
import { describe, expect, test } from 'vitest';
import { attachRefreshInterceptor } from '../src/index.js';
import { BASE_URL, createMock, setup, tokenOf } from './helpers.js';
import { listen } from './faults/support.js';

describe('fault matrix: token leaks through the URL', () => {
  test.each([
    ['a protocol-relative URL', '//evil.example.test/steal'],
    ['a host that starts with the own host', 'https://api.example.test.evil.example.test/steal'],
    ['userinfo that spells the own host', 'https://api.example.test@evil.example.test/steal'],
    ['a downgrade to http', 'http://api.example.test/steal'],
    ['another port of the own host', 'https://api.example.test:8443/steal'],
  ])('%s (%s) gets no token, while the own origin does', async (_, url) => {
    const { api, mock } = setup();
    const seen: Array<{ target: string; token: string | undefined }> = [];
    mock.onGet(/\/(steal|me)$/).reply((config) => {
      seen.push({ target: api.getUri(config as AxiosRequestConfig), token: tokenOf(config) });
      return [200];
    });

    await api.get(url);
    await api.get('/me');

    expect(seen).toEqual([
      { target: url, token: undefined },
      { target: `${BASE_URL}/me`, token: 'access-0' },
    ]);
  });

  test('a URL rewritten to another origin by an interceptor registered before the library gets no token', async () => {
    const api = axios.create({ baseURL: BASE_URL });
    const mock = createMock(api);
    // Registered first, so axios runs it after the library's request interceptor.
    api.interceptors.request.use((config) => {
      if (config.url === '/me') config.url = 'https://evil.example.test/me';
      return config;
    });
    attachRefreshInterceptor(api, { refresh: () => ({ accessToken: 'access-1' }), tokens: { accessToken: 'access-0' } });
    const seen: Array<string | undefined> = [];
    mock.onGet(/\/(me|own)$/).reply((config) => {
      seen.push(tokenOf(config));
      return [200];
    });

    await api.get('/me');
    await api.get('/own');

    expect(seen).toEqual([undefined, 'access-0']);
  });
});

describe('fault matrix: token leaks through a redirect in Node (http adapter, two local origins)', () => {
  test.each([
    { header: 'Authorization', scheme: 'Bearer', redirect: 'cross', carries: false },
    { header: 'X-Auth-Token', scheme: '', redirect: 'cross', carries: false },
    { header: 'Authorization', scheme: 'Bearer', redirect: 'same', carries: true },
    { header: 'X-Auth-Token', scheme: '', redirect: 'same', carries: true },
  ] as const)('a $redirect-origin redirect with the token in $header: carried there = $carries', async ({ header, scheme, redirect, carries }) => {
    const name = header.toLowerCase();
    const echo = (server: string) => (request: IncomingMessage, response: ServerResponse): void => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ server, token: request.headers[name] ?? null, requestId: request.headers['x-request-id'] ?? null }));
    };
    const foreign = await listen(echo('foreign'));
    const own = await listen((request, response) => {
      if (request.url !== '/cross' && request.url !== '/same') return echo('own')(request, response);
      response.statusCode = 302;
      response.setHeader('location', request.url === '/cross' ? `${foreign.origin}/landing` : '/landing');
      response.end();
    });
    try {
      const api = axios.create({ baseURL: own.origin, adapter: 'http' });
      attachRefreshInterceptor(api, { header, scheme, refresh: () => ({ accessToken: 'access-1' }), tokens: { accessToken: 'access-0' } });

      const response = await api.get(`/${redirect}`, { headers: { 'X-Request-Id': 'r-1' } });

      const value = scheme ? `${scheme} access-0` : 'access-0';
      expect(response.data).toEqual({ server: redirect === 'cross' ? 'foreign' : 'own', token: carries ? value : null, requestId: 'r-1' });
      expect(response.config.url).toBe(`/${redirect}`);
    } finally {
      await own.close();
      await foreign.close();
    }
  });
});
