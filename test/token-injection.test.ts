import axios from 'axios';
import { describe, expect, test } from 'vitest';
import { attachRefreshInterceptor } from '../src/index.js';
import { BASE_URL, createMock, setup, tokenOf } from './helpers.js';

/** The raw value of header `name` on the request the mock received, or `undefined` when absent. */
function headerOf(config: { headers?: unknown }, name: string): unknown {
  const { headers } = config;
  return headers instanceof axios.AxiosHeaders && headers.has(name) ? headers.get(name) : undefined;
}

describe('token injection', () => {
  test('sends Authorization: Bearer <token> with a URL relative to the baseURL', async () => {
    const { api, mock } = setup();
    mock.onGet('/me').reply((config) => [200, { authorization: headerOf(config, 'Authorization') }]);

    const { data } = await api.get('/me');

    expect(data).toEqual({ authorization: 'Bearer access-0' });
  });

  test('sends the token with an absolute URL on the origin of the baseURL', async () => {
    const { api, mock } = setup();
    mock.onGet(`${BASE_URL}/me`).reply((config) => [200, { token: tokenOf(config) }]);

    const { data } = await api.get(`${BASE_URL}/me`);

    expect(data).toEqual({ token: 'access-0' });
  });

  test.each([
    ['without a baseURL', undefined, '/me'],
    ['with a path-only baseURL', '/api', '/api/me'],
  ])('sends the token with a relative URL on an instance %s', async (_, baseURL, mockedUrl) => {
    const api = baseURL === undefined ? axios.create() : axios.create({ baseURL });
    const mock = createMock(api);
    attachRefreshInterceptor(api, {
      refresh: () => ({ accessToken: 'access-1' }),
      tokens: { accessToken: 'access-0' },
    });
    mock.onGet(mockedUrl).reply((config) => [200, { token: tokenOf(config) }]);

    const { data } = await api.get('/me');

    expect(data).toEqual({ token: 'access-0' });
  });

  test('writes the token into the configured header with the configured scheme', async () => {
    const { api, mock } = setup({ header: 'X-Api-Key', scheme: 'Token' });
    mock.onGet('/me').reply((config) => [
      200,
      { key: headerOf(config, 'X-Api-Key'), authorization: headerOf(config, 'Authorization') },
    ]);

    const { data } = await api.get('/me');

    expect(data).toEqual({ key: 'Token access-0', authorization: undefined });
  });

  test("sends the bare token when scheme is ''", async () => {
    const { api, mock } = setup({ scheme: '' });
    mock.onGet('/me').reply((config) => [200, { authorization: headerOf(config, 'Authorization') }]);

    const { data } = await api.get('/me');

    expect(data).toEqual({ authorization: 'access-0' });
  });

  test('sends no Authorization header when there are no tokens', async () => {
    const { api, mock } = setup({}, null);
    mock.onGet('/me').reply((config) => [200, { authorization: headerOf(config, 'Authorization') }]);

    const { data } = await api.get('/me');

    expect(data).toEqual({});
  });

  test('sends the token of the moment: the one given to setTokens, then the refreshed one', async () => {
    const { api, mock, auth } = setup();
    const seen: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      return [200];
    });

    await api.get('/me');
    await auth.setTokens({ accessToken: 'access-login', refreshToken: 'refresh-login' });
    await api.get('/me');
    await auth.refresh({ force: true });
    await api.get('/me');

    expect(seen).toEqual(['access-0', 'access-login', 'access-1']);
  });

  test('writes the token into the request only: defaults and later requests to another origin stay clean', async () => {
    const { api, mock } = setup();
    mock.onGet('/me').reply(200);
    mock.onGet('https://cdn.example.test/file').reply((config) => [200, { token: tokenOf(config) }]);

    const own = await api.get('/me');
    const foreign = await api.get('https://cdn.example.test/file');

    expect(tokenOf(own.config)).toBe('access-0');
    expect(api.defaults.headers.common['Authorization']).toBeUndefined();
    expect(api.defaults.headers.get['Authorization']).toBeUndefined();
    expect(foreign.data).toEqual({ token: undefined });
  });

  test('removes the header it wrote when the config of a sent request is reused for another origin', async () => {
    const { api, mock } = setup();
    mock.onGet('/me').reply(200);
    mock.onGet('https://cdn.example.test/file').reply((config) => [200, { token: tokenOf(config) }]);

    const own = await api.get('/me');
    const reused = await api.request({ ...own.config, url: 'https://cdn.example.test/file' });

    expect(tokenOf(own.config)).toBe('access-0');
    expect(reused.data).toEqual({ token: undefined });
  });
});
