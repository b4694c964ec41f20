/**
 * The contenders of the benchmarks, each an axios instance set up the way its users would:
 * - `bare`: a request interceptor that sets the token; no refresh.
 * - `library`: `attachRefreshInterceptor` with a `refresh` that posts to the refresh endpoint.
 * - `axios-auth-refresh`: as its README recommends, `createAuthRefresh(instance, refreshAuthLogic)`
 *   and a request interceptor that sets the current token.
 * - `replay` (a reference row in the herd, not a contender): bare axios plus the least a 401 replay
 *   can do (one shared refresh promise, `instance.request(config)` once): axios's own cost of a replay.
 */
import axios from 'axios';
import type { AxiosError, AxiosInstance, CreateAxiosDefaults } from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import { attachRefreshInterceptor } from '../../src/index.js';

export type Key = 'bare' | 'library' | 'axios-auth-refresh' | 'replay';

export const NAMES: Record<Key, string> = {
  bare: 'bare axios',
  library: 'this library',
  'axios-auth-refresh': 'axios-auth-refresh',
  replay: 'bare axios + minimal replay',
};

export interface Contender {
  readonly key: Key;
  readonly api: AxiosInstance;
  /** Starts over with `accessToken` as the current token. */
  setToken(accessToken: string): Promise<void>;
}

interface RefreshAnswer {
  readonly access_token: string;
  readonly refresh_token?: string;
}

/** `refreshClient` answers `POST /refresh` (see server.ts); it is never the instance under test. */
export function createContender(key: Key, defaults: CreateAxiosDefaults, refreshClient: AxiosInstance): Contender {
  const api = axios.create(defaults);
  const refreshAccessToken = async (refreshToken: string | undefined): Promise<RefreshAnswer> => {
    const { data } = await refreshClient.post<RefreshAnswer>('/refresh', { refresh_token: refreshToken });
    return data;
  };
  if (key === 'library') {
    const auth = attachRefreshInterceptor(api, {
      refresh: async ({ refreshToken }) => {
        const data = await refreshAccessToken(refreshToken);
        return { accessToken: data.access_token, refreshToken: data.refresh_token };
      },
    });
    return { key, api, setToken: (accessToken) => auth.setTokens({ accessToken, refreshToken: 'refresh-0' }) };
  }
  const state = { accessToken: '', refreshToken: 'refresh-0' };
  const renew = async (): Promise<void> => {
    const data = await refreshAccessToken(state.refreshToken);
    state.accessToken = data.access_token;
    if (data.refresh_token) state.refreshToken = data.refresh_token;
  };
  api.interceptors.request.use((request) => {
    request.headers['Authorization'] = `Bearer ${state.accessToken}`;
    return request;
  });
  if (key === 'axios-auth-refresh') {
    // Its types see axios through CommonJS: the same instance, a nominally different type.
    createAuthRefresh(api as unknown as Parameters<typeof createAuthRefresh>[0], async (failedRequest: AxiosError) => {
      await renew();
      const config = failedRequest.response?.config;
      if (config) config.headers['Authorization'] = `Bearer ${state.accessToken}`;
    });
  }
  if (key === 'replay') {
    let renewing: Promise<void> | undefined;
    const replayed = new WeakSet<object>();
    api.interceptors.response.use(undefined, async (error: AxiosError) => {
      const config = error.config;
      if (error.response?.status !== 401 || !config || replayed.has(config)) throw error;
      replayed.add(config);
      const sent = config.headers['Authorization'];
      if (sent === `Bearer ${state.accessToken}`) {
        renewing ??= renew().finally(() => {
          renewing = undefined;
        });
        await renewing;
      }
      return api.request(config);
    });
  }
  return {
    key,
    api,
    async setToken(accessToken) {
      state.accessToken = accessToken;
      state.refreshToken = 'refresh-0';
    },
  };
}
