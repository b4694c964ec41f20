import { describe, expect, test, vi } from 'vitest';
import type { LogoutEvent, TokenSet } from '../src/index.js';
import { deferred, flush, setup, tokenOf } from './helpers.js';
import { expectRefreshError, rejectionOf, track, watchUnhandled } from './faults/support.js';

class CallbackFailure extends Error {
  override readonly name = 'CallbackFailure';
}

/** A callback that fails, synchronously or with a rejected promise. */
const failing = {
  'throws synchronously': (error: Error) => (..._args: unknown[]): never => {
    throw error;
  },
  'rejects asynchronously': (error: Error) => async (..._args: unknown[]): Promise<never> => {
    await Promise.resolve();
    throw error;
  },
} as const;
const hows = Object.keys(failing) as Array<keyof typeof failing>;

/** Answers 401 unless the request carries one of `accepted`; `seen` gets every token. */
const accepting =
  (seen: Array<string | undefined>, ...accepted: string[]) =>
  (config: { headers?: unknown }): [number, unknown?] => {
    const token = tokenOf(config);
    seen.push(token);
    return token !== undefined && accepted.includes(token) ? [200, { token }] : [401];
  };

describe('fault matrix: user callbacks', () => {
  test.each(hows)(
    'refresh that %s → waiting requests reject with REFRESH_FAILED (its error as cause), tokens kept, the next 401 refreshes again',
    async (how) => {
      const unhandled = watchUnhandled();
      const boom = new CallbackFailure('token endpoint unreachable');
      const fail = failing[how](boom);
      let calls = 0;
      const onLogout = vi.fn<(event: LogoutEvent) => void>();
      const { api, mock, auth, refreshCalls } = setup({
        onLogout,
        refresh: () => {
          calls += 1;
          return calls === 1 ? fail() : { accessToken: 'access-1', refreshToken: 'refresh-1' };
        },
      });
      const tokens = auth.getTokens();
      const seen: Array<string | undefined> = [];
      mock.onGet('/data').reply(accepting(seen, 'access-1'));

      const errors = await Promise.all([1, 2].map((n) => rejectionOf(api.get('/data', { params: { n } }))));

      for (const error of errors) {
        expectRefreshError(error, 'REFRESH_FAILED');
        expect(error.cause).toBe(boom);
      }
      expect(refreshCalls).toHaveLength(1);
      expect(auth.getTokens()).toBe(tokens);
      expect(onLogout).not.toHaveBeenCalled();

      const response = await api.get('/data');
      expect(response.data).toEqual({ token: 'access-1' });
      expect(refreshCalls).toHaveLength(2);
      expect(seen).toEqual(['access-0', 'access-0', 'access-0', 'access-1']);
      await flush();
      expect(unhandled.stop()).toEqual([]);
    },
  );

  test.each(hows)(
    'onLogout that %s after a rejected refresh → waiting requests reject with its error, tokens cleared, called once',
    async (how) => {
      const unhandled = watchUnhandled();
      const boom = new CallbackFailure('navigation failed');
      const onLogout = vi.fn(failing[how](boom));
      const refused = Object.assign(new Error('refused'), { response: { status: 400, data: { error: 'invalid_grant' } } });
      const { api, mock, auth, refreshCalls } = setup({ onLogout, refresh: () => Promise.reject(refused) });
      const seen: Array<string | undefined> = [];
      mock.onGet('/data').reply(accepting(seen, 'access-login'));

      const errors = await Promise.all([1, 2, 3].map((n) => rejectionOf(api.get('/data', { params: { n } }))));

      for (const error of errors) expect(error).toBe(boom);
      expect(auth.getTokens()).toBeNull();
      expect(onLogout).toHaveBeenCalledTimes(1);
      expect(onLogout.mock.calls[0]?.[0]).toMatchObject({ reason: 'refresh-rejected' });
      expect(refreshCalls).toHaveLength(1);

      // The session is over: requests go without a token; a new login works as usual.
      await rejectionOf(api.get('/data'));
      await auth.setTokens({ accessToken: 'access-login', refreshToken: 'refresh-login' });
      expect((await api.get('/data')).data).toEqual({ token: 'access-login' });
      expect(seen).toEqual(['access-0', 'access-0', 'access-0', undefined, 'access-login']);
      expect(onLogout).toHaveBeenCalledTimes(1);
      await flush();
      expect(unhandled.stop()).toEqual([]);
    },
  );

  test.each(hows)(
    'onLogout that %s on logout() → logout() rejects with its error, tokens cleared, waiters get SESSION_ENDED',
    async (how) => {
      const unhandled = watchUnhandled();
      const boom = new CallbackFailure('navigation failed');
      const onLogout = vi.fn(failing[how](boom));
      const answer = deferred<TokenSet>();
      const { api, mock, auth, refreshCalls } = setup({ onLogout, refresh: () => answer.promise });
      const seen: Array<string | undefined> = [];
      mock.onGet('/data').reply(accepting(seen, 'access-1'));

      const waiting = track(api.get('/data'));
      await flush();
      expect(refreshCalls).toHaveLength(1);

      expect(await rejectionOf(auth.logout())).toBe(boom);
      await flush();

      expect(auth.getTokens()).toBeNull();
      expect(waiting.settled).toBe(true);
      expectRefreshError(waiting.error, 'SESSION_ENDED');
      expect(refreshCalls[0]?.signal.aborted).toBe(true);
      answer.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1' });
      await flush();
      expect(auth.getTokens()).toBeNull();
      await auth.logout();
      expect(onLogout).toHaveBeenCalledTimes(1);
      expect(seen).toEqual(['access-0']);
      await flush();
      expect(unhandled.stop()).toEqual([]);
    },
  );
});
