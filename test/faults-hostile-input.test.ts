import axios from 'axios';
import { describe, expect, test } from 'vitest';
import { attachRefreshInterceptor } from '../src/index.js';
import type { RefreshContext } from '../src/index.js';
import { BASE_URL, createMock, tokenOf } from './helpers.js';
import { rejectionOf } from './faults/support.js';

/** Properties an attacker could plant on Object.prototype, with values that would change behaviour if read. */
const pollutions: ReadonlyArray<{ readonly name: string; readonly values: Readonly<Record<string, unknown>> }> = [
  { name: 'skipAuth: true', values: { skipAuth: true } },
  { name: 'skipAuthRefresh: true', values: { skipAuthRefresh: true } },
  { name: 'validateStatus: () => true', values: { validateStatus: () => true } },
  { name: 'all three', values: { skipAuth: true, skipAuthRefresh: true, validateStatus: () => true } },
];

describe('fault matrix: hostile input', () => {
  test.each(pollutions)('Object.prototype polluted with $name → tokens, refresh and replay unchanged', async ({ values }) => {
    const api = axios.create({ baseURL: BASE_URL });
    const mock = createMock(api);
    const refreshCalls: RefreshContext[] = [];
    attachRefreshInterceptor(api, {
      tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' },
      refresh: (context) => {
        refreshCalls.push(context);
        return { accessToken: `access-${refreshCalls.length}` };
      },
    });
    // axios hands interceptors configs without a prototype. Registered after the library, this runs
    // before its request interceptor and hands on a plain-object copy, with Object.prototype: a
    // flag the library's interceptor reads could come from the pollution. (axios flattens the
    // config into one without a prototype again before the adapter, where replays are decided.)
    api.interceptors.request.use((config) => ({ ...config }));
    const seen: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      return tokenOf(config) === 'access-1' ? [200, { token: 'access-1' }] : [401];
    });
    mock.onGet('/admin').reply(403);

    const planted = Object.keys(values);
    try {
      for (const name of planted) {
        Object.defineProperty(Object.prototype, name, { value: values[name], writable: true, enumerable: true, configurable: true });
      }
      const response = await api.get('/me');
      const forbidden = await rejectionOf(api.get('/admin'));

      expect(response.data).toEqual({ token: 'access-1' });
      expect(refreshCalls).toHaveLength(1);
      expect(seen).toEqual(['access-0', 'access-1']);
      expect(forbidden).toMatchObject({ response: { status: 403 } });
    } finally {
      for (const name of planted) Reflect.deleteProperty(Object.prototype, name);
    }
    for (const name of planted) expect(Object.prototype).not.toHaveProperty(name);
  });
});
