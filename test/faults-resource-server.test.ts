import { AxiosError, isAxiosError } from 'axios';
import { describe, expect, test } from 'vitest';
import type { TokenSet } from '../src/index.js';
import { setup, tokenOf } from './helpers.js';
import { rejectionOf } from './faults/support.js';

describe('fault matrix: the resource server', () => {
  test('answers 403 with WWW-Authenticate error="insufficient_scope" → passed to the caller, no refresh, no replay', async () => {
    const { api, mock, auth, refreshCalls } = setup();
    const tokens = auth.getTokens();
    const challenge = 'Bearer realm="api", error="insufficient_scope", scope="admin"';
    const seen: Array<string | undefined> = [];
    mock.onGet('/admin').reply((config) => {
      seen.push(tokenOf(config));
      return seen.length === 1 ? [403, { error: 'insufficient_scope' }, { 'www-authenticate': challenge }] : [200];
    });

    const error = await rejectionOf(api.get('/admin'));

    expect(isAxiosError(error)).toBe(true);
    expect(error).toMatchObject({ response: { status: 403, data: { error: 'insufficient_scope' } } });
    expect(isAxiosError(error) && error.response?.headers['www-authenticate']).toBe(challenge);
    expect(refreshCalls).toHaveLength(0);
    expect(seen).toEqual(['access-0']);
    expect(auth.getTokens()).toBe(tokens);
  });

  test('answers 401 with WWW-Authenticate error="invalid_token" → one refresh, replayed with the new token', async () => {
    const { api, mock, auth, refreshCalls } = setup();
    const seen: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      return tokenOf(config) === 'access-1'
        ? [200, { me: 'alice' }]
        : [401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token", error_description="expired"' }];
    });

    const response = await api.get('/me');

    expect(response.data).toEqual({ me: 'alice' });
    expect(refreshCalls).toHaveLength(1);
    expect(seen).toEqual(['access-0', 'access-1']);
    expect(auth.getTokens()?.accessToken).toBe('access-1');
  });

  test.each<{ name: string; tokens: TokenSet | null; url: string; skipAuth: boolean }>([
    { name: 'there is no session', tokens: null, url: '/me', skipAuth: false },
    { name: 'it was sent with skipAuth', tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' }, url: '/me', skipAuth: true },
    {
      name: 'it went to another origin',
      tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' },
      url: 'https://other.example.test/me',
      skipAuth: false,
    },
  ])('answers 401 to a request that carried no token because $name → passed to the caller, no refresh, no replay', async ({ tokens, url, skipAuth }) => {
    const { api, mock, auth, refreshCalls } = setup({}, tokens);
    const seen: Array<string | undefined> = [];
    mock.onGet(/\/me$/).reply((config) => {
      seen.push(tokenOf(config));
      return seen.length === 1 ? [401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' }] : [200];
    });

    const error = await rejectionOf(skipAuth ? api.get(url, { skipAuth: true }) : api.get(url));

    expect(error).toMatchObject({ response: { status: 401, data: { error: 'unauthorized' } } });
    expect(refreshCalls).toHaveLength(0);
    expect(seen).toEqual([undefined]);
    expect(auth.getTokens()).toEqual(tokens);
  });

  test('fails with a network error and no response → the same error reaches the caller, no refresh, no replay', async () => {
    const { api, mock, auth, refreshCalls } = setup();
    const tokens = auth.getTokens();
    let thrown: AxiosError | undefined;
    let attempts = 0;
    mock.onGet('/me').reply((config) => {
      attempts += 1;
      if (attempts > 1) return [200];
      thrown = Object.assign(new AxiosError('socket hang up', AxiosError.ERR_NETWORK), { config });
      throw thrown;
    });

    const error = await rejectionOf(api.get('/me'));

    expect(error).toBeInstanceOf(AxiosError);
    expect(error).toBe(thrown);
    expect(thrown?.response).toBeUndefined();
    expect(refreshCalls).toHaveLength(0);
    expect(attempts).toBe(1);
    expect(auth.getTokens()).toBe(tokens);
  });
});
