import axios, { AxiosError } from 'axios';
import type { AxiosAdapter } from 'axios';
import { expect, test } from 'vitest';
import { attachRefreshInterceptor } from '../src/index.js';
import { BASE_URL, setup, tokenOf } from './helpers.js';

// Apps resend a response's `config` (retry buttons, retry plugins). Such a config may carry the
// header and the adapter this library set for an earlier attempt; neither may outlive its purpose.

test('a replayed config sent again after a new login goes out with the new session token', async () => {
  // An adapter of the application's own, which (unlike a mock) leaves `config.adapter` in place.
  const seen: (string | undefined)[] = [];
  const adapter: AxiosAdapter = async (config) => {
    const token = tokenOf(config);
    seen.push(token);
    const response = { data: 'ok', status: token === 'access-0' ? 401 : 200, statusText: '', headers: {}, config };
    if (response.status === 401) throw new AxiosError('unauthorized', 'ERR_BAD_REQUEST', config, null, response);
    return response;
  };
  const api = axios.create({ baseURL: BASE_URL, adapter });
  let minted = 0;
  const auth = attachRefreshInterceptor(api, {
    tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' },
    refresh: () => ({ accessToken: `access-${(minted += 1)}` }),
  });

  const replayed = await api.get('/me');
  expect(seen).toEqual(['access-0', 'access-1']);

  await auth.logout();
  await auth.setTokens({ accessToken: 'login-2', refreshToken: 'refresh-login-2' });
  await expect(api.request({ ...replayed.config })).resolves.toMatchObject({ data: 'ok' });
  expect(seen).toEqual(['access-0', 'access-1', 'login-2']);
});

test('a config sent with the token and resent after logout goes out without it', async () => {
  const { api, mock, auth } = setup();
  const seen: (string | undefined)[] = [];
  mock.onGet('/me').reply((config) => {
    seen.push(tokenOf(config));
    return [200, 'ok'];
  });

  const first = await api.get('/me');
  await auth.logout();
  await api.request({ ...first.config });
  expect(seen).toEqual(['access-0', undefined]);
});

test('a header the application set itself is left alone on requests that carry no token', async () => {
  const { api, mock } = setup();
  const seen: (string | undefined)[] = [];
  mock.onGet('https://other.example.test/x').reply((config) => {
    seen.push(tokenOf(config));
    return [200, 'ok'];
  });
  await api.get('https://other.example.test/x', { headers: { Authorization: 'Bearer their-own' } });
  expect(seen).toEqual(['their-own']);
});
