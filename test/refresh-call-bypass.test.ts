import { isAxiosError } from 'axios';
import { describe, expect, test, vi } from 'vitest';
import { isRefreshError } from '../src/index.js';
import type { LogoutEvent, RefreshContext, TokenSet } from '../src/index.js';
import { flush, setup, tokenOf } from './helpers.js';
import type { Setup } from './helpers.js';

interface RefreshAnswer {
  readonly access_token: string;
  readonly refresh_token?: string;
}

/** How the refresh call identifies itself to the instance it is made with. */
const modes = [
  ['with the context signal', (context: RefreshContext) => ({ signal: context.signal })],
  ['with skipAuth: true', () => ({ skipAuth: true })],
] as const;

/** An instance whose `refresh` posts to `/auth/refresh` on that same instance. */
function setupSelfRefresh(mode: (typeof modes)[number][1]) {
  const onLogout = vi.fn<(event: LogoutEvent) => void>();
  const s: Setup = setup({
    onLogout,
    refresh: async (context): Promise<TokenSet> => {
      const { data } = await s.api.post<RefreshAnswer>(
        '/auth/refresh',
        { refresh_token: context.refreshToken },
        mode(context),
      );
      return { accessToken: data.access_token, refreshToken: data.refresh_token };
    },
  });
  return { ...s, onLogout };
}

/** Whether `promise` has settled, read after letting pending callbacks run. */
function track<T>(promise: Promise<T>): { readonly settled: () => boolean; readonly outcome: Promise<T | unknown> } {
  let settled = false;
  const outcome = promise.then(
    (value) => {
      settled = true;
      return value;
    },
    (error: unknown) => {
      settled = true;
      return error;
    },
  );
  return { settled: () => settled, outcome };
}

describe.each(modes)('the refresh call made on the same instance %s', (_, mode) => {
  test('is sent without the access token, and the failed request is replayed with the new one', async () => {
    const { api, mock } = setupSelfRefresh(mode);
    const refreshSent: Array<string | undefined> = [];
    mock.onPost('/auth/refresh').reply((config) => {
      refreshSent.push(tokenOf(config));
      return [200, { access_token: 'access-1', refresh_token: 'refresh-1' }];
    });
    mock.onGet('/me').reply((config) => (tokenOf(config) === 'access-1' ? [200, { ok: true }] : [401]));

    const request = track(api.get('/me'));
    await flush();

    expect(request.settled()).toBe(true);
    expect(await request.outcome).toMatchObject({ data: { ok: true } });
    expect(refreshSent).toEqual([undefined]);
  });

  test('is not held behind the refresh it belongs to', async () => {
    const { auth, mock, refreshCalls } = setupSelfRefresh(mode);
    mock.onPost('/auth/refresh').reply(200, { access_token: 'access-1' });

    const refreshing = track(auth.refresh({ force: true }));
    await flush();

    expect(refreshing.settled()).toBe(true);
    expect(await refreshing.outcome).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-0' });
    expect(mock.history['post']).toHaveLength(1);
    expect(refreshCalls).toHaveLength(1);
  });

  test.each([401, 400])(
    'its own %i goes straight back to refresh: REFRESH_REJECTED, onLogout once, no second refresh',
    async (status) => {
      const { api, mock, onLogout, refreshCalls, auth } = setupSelfRefresh(mode);
      mock.onPost('/auth/refresh').reply(status);
      mock.onGet('/me').reply(401);

      const request = track(api.get('/me'));
      await flush();
      expect(request.settled()).toBe(true);
      const error = await request.outcome;

      expect(isRefreshError(error) && error.code).toBe('REFRESH_REJECTED');
      const cause = isRefreshError(error) ? error.cause : undefined;
      expect(isAxiosError(cause) && cause.config?.url).toBe('/auth/refresh');
      expect(isAxiosError(cause) && cause.response?.status).toBe(status);
      expect(refreshCalls).toHaveLength(1);
      expect(mock.history['post']).toHaveLength(1);
      expect(onLogout).toHaveBeenCalledTimes(1);
      expect(onLogout).toHaveBeenCalledWith({ reason: 'refresh-rejected', error });
      expect(auth.getTokens()).toBeNull();
    },
  );
});
