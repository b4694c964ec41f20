import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { describe, expect, it } from 'vitest';
import { attachRefreshInterceptor } from '../src/index.js';
import type { RefreshInterceptorOptions } from '../src/index.js';
import { BASE_URL, createMock, tokenOf } from './helpers.js';

const refresh = (): { accessToken: string } => ({ accessToken: 'access-1' });

/** Calls attachRefreshInterceptor with values its types would refuse, as untyped callers can. */
function attachUnchecked(instance: unknown, options: unknown): void {
  attachRefreshInterceptor(instance as AxiosInstance, options as RefreshInterceptorOptions);
}

function thrownBy(call: () => void): TypeError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return error as TypeError;
  }
  throw new Error('expected a TypeError');
}

describe('attachRefreshInterceptor options', () => {
  it.each([
    { label: 'null', value: null, received: 'null' },
    { label: 'a plain object', value: {}, received: 'object' },
  ])('throws a TypeError naming the instance when given $label instead of an axios instance', ({ value, received }) => {
    const error = thrownBy(() => attachUnchecked(value, { refresh }));
    expect(error.message).toContain('instance');
    expect(error.message).toContain(received);
  });

  it.each([
    { label: 'missing', options: {}, received: 'undefined' },
    { label: 'a string', options: { refresh: 'https://api.example.test/refresh' }, received: '"https://api.example.test/refresh"' },
  ])('throws a TypeError naming refresh when it is $label', ({ options, received }) => {
    const error = thrownBy(() => attachUnchecked(axios.create(), options));
    expect(error.message).toContain('refresh');
    expect(error.message).toContain(received);
  });

  it.each([
    { option: 'header', value: '', received: '""' },
    { option: 'header', value: 'Bad Header', received: '"Bad Header"' },
    { option: 'scheme', value: 'Bear er', received: '"Bear er"' },
    { option: 'allowedOrigins', value: 'https://x.example.test', received: '"https://x.example.test"' },
    { option: 'allowedOrigins', value: ['https://x.example.test/api'], received: '"https://x.example.test/api"' },
    { option: 'allowedOrigins', value: ['not a url'], received: '"not a url"' },
    { option: 'refreshTimeout', value: 0, received: '0' },
    { option: 'refreshTimeout', value: -1, received: '-1' },
    { option: 'refreshTimeout', value: Number.NaN, received: 'NaN' },
    { option: 'refreshTimeout', value: '10', received: '"10"' },
    { option: 'leeway', value: -1, received: '-1' },
    { option: 'onLogout', value: 5, received: '5' },
    { option: 'shouldRefresh', value: true, received: 'true' },
    { option: 'now', value: 1, received: '1' },
  ])('throws a TypeError naming $option and the value received for $value', ({ option, value, received }) => {
    const error = thrownBy(() => attachUnchecked(axios.create(), { refresh, [option]: value }));
    expect(error.message).toContain(`options.${option}`);
    expect(error.message).toContain(`received ${received}`);
  });

  it('throws a TypeError naming tokens, without the token, for an unusable initial access token', () => {
    const error = thrownBy(() => attachUnchecked(axios.create(), { refresh, tokens: { accessToken: 'a b' } }));
    expect(error.message).toContain('tokens');
    expect(error.message).toContain('accessToken');
    expect(error.message).not.toContain('a b');
  });

  it('installs nothing when the options are refused', () => {
    const api = axios.create();
    const count = (): number =>
      [...(api.interceptors.request.handlers ?? []), ...(api.interceptors.response.handlers ?? [])].filter(
        (handler) => handler !== null,
      ).length;

    thrownBy(() => attachUnchecked(api, { refresh, tokens: { accessToken: 'a b' } }));
    thrownBy(() => attachUnchecked(api, { refresh, leeway: -1 }));

    expect(count()).toBe(0);
  });

  it('keeps every default when options are given as undefined', async () => {
    const api = axios.create({ baseURL: BASE_URL });
    const mock = createMock(api);
    const seen: Array<{ header: unknown; token: string | undefined }> = [];
    mock.onGet('/me').reply((config) => {
      seen.push({ header: config.headers?.['Authorization'], token: tokenOf(config) });
      return tokenOf(config) === 'access-1' ? [200, {}] : [401, {}];
    });
    const auth = attachRefreshInterceptor(api, {
      refresh,
      onLogout: undefined,
      tokens: undefined,
      header: undefined,
      scheme: undefined,
      allowedOrigins: undefined,
      refreshTimeout: undefined,
      leeway: undefined,
      shouldRefresh: undefined,
      isRefreshRejected: undefined,
      now: undefined,
    });
    await auth.setTokens({ accessToken: 'access-0' });

    await api.get('/me');

    expect(seen).toEqual([
      { header: 'Bearer access-0', token: 'access-0' },
      { header: 'Bearer access-1', token: 'access-1' },
    ]);
  });
});
