import { afterEach, describe, expect, test, vi } from 'vitest';
import type { TokenSet, TokenStorage } from '../src/index.js';
import { memoryStorage } from '../src/storage.js';
import { deferred, flush, setup, tokenOf } from './helpers.js';
import { rejectionOf, track, watchUnhandled } from './faults/support.js';

class StorageFailure extends Error {
  override readonly name = 'StorageFailure';
}

/** A storage method that fails, synchronously or with a rejected promise. */
const failing = {
  'throws synchronously': (error: Error) => (): never => {
    throw error;
  },
  'rejects asynchronously': (error: Error) => async (): Promise<never> => {
    await Promise.resolve();
    throw error;
  },
} as const;
const hows = Object.keys(failing) as Array<keyof typeof failing>;

const STORED: TokenSet = { accessToken: 'access-stored', refreshToken: 'refresh-stored' };

/** `GET /data` answers 200 and records the token each request carried. */
function recordTokens(mock: ReturnType<typeof setup>['mock']): Array<string | undefined> {
  const seen: Array<string | undefined> = [];
  mock.onGet('/data').reply((config) => {
    seen.push(tokenOf(config));
    return [200, {}];
  });
  return seen;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('storage failures', () => {
  test.each(hows)(
    'storage.get that %s → requests waiting on the load and ready() reject with its error; later requests go without a token',
    async (how) => {
      const unhandled = watchUnhandled();
      const boom = new StorageFailure('keychain unavailable');
      const storage: TokenStorage = { ...memoryStorage(STORED), get: failing[how](boom) };
      const { api, mock, auth } = setup({ storage }, null);
      const seen = recordTokens(mock);

      const waiting = [api.get('/data'), api.get('/data')];
      const errors = await Promise.all(waiting.map(rejectionOf));

      expect(errors).toEqual([boom, boom]);
      expect(errors[0]).toBe(boom);
      expect(await rejectionOf(auth.ready())).toBe(boom);
      expect(auth.getTokens()).toBeNull();
      await api.get('/data');
      expect(seen).toEqual([undefined]);
      await flush();
      expect(unhandled.stop()).toEqual([]);
    },
  );

  test.each(hows)('storage.get that %s leaves no unhandled rejection when nothing waits on the load', async (how) => {
    const unhandled = watchUnhandled();
    const storage: TokenStorage = { ...memoryStorage(), get: failing[how](new StorageFailure('keychain unavailable')) };
    setup({ storage }, null);

    await flush();

    expect(unhandled.stop()).toEqual([]);
  });

  test.each(hows)('storage.set that %s during setTokens → setTokens rejects with its error; the new tokens are used', async (how) => {
    const unhandled = watchUnhandled();
    const boom = new StorageFailure('quota exceeded');
    const storage: TokenStorage = { ...memoryStorage(), set: failing[how](boom) };
    const { api, mock, auth } = setup({ storage });
    const seen = recordTokens(mock);

    expect(await rejectionOf(auth.setTokens({ accessToken: 'access-a', refreshToken: 'refresh-a' }))).toBe(boom);

    expect(auth.getTokens()).toEqual({ accessToken: 'access-a', refreshToken: 'refresh-a' });
    await api.get('/data');
    expect(seen).toEqual(['access-a']);
    await flush();
    expect(unhandled.stop()).toEqual([]);
  });

  test.each(hows)(
    'storage.set that %s after a refresh → waiting requests reject with its error; the new tokens stay and the next request carries them',
    async (how) => {
      const unhandled = watchUnhandled();
      const boom = new StorageFailure('quota exceeded');
      const storage: TokenStorage = { ...memoryStorage(), set: failing[how](boom) };
      const answer = deferred<TokenSet>();
      const { api, mock, auth, refreshCalls } = setup({ storage, refresh: () => answer.promise });
      const seen: Array<string | undefined> = [];
      mock.onGet('/data').reply((config) => {
        const token = tokenOf(config);
        seen.push(token);
        return [token === 'access-1' ? 200 : 401, {}];
      });

      const first = track(api.get('/data'));
      await flush();
      expect(refreshCalls).toHaveLength(1);
      const second = track(api.get('/data'));
      answer.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1' });
      await flush();

      expect(first.error).toBe(boom);
      expect(second.error).toBe(boom);
      expect(seen).toEqual(['access-0']);
      expect(auth.getTokens()).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const next = await api.get('/data');
      expect(next.status).toBe(200);
      expect(seen).toEqual(['access-0', 'access-1']);
      expect(refreshCalls).toHaveLength(1);
      await flush();
      expect(unhandled.stop()).toEqual([]);
    },
  );

  test.each(hows)('storage.set that %s during refresh() → refresh() rejects with its error', async (how) => {
    const boom = new StorageFailure('quota exceeded');
    const storage: TokenStorage = { ...memoryStorage(), set: failing[how](boom) };
    const { auth } = setup({ storage });

    expect(await rejectionOf(auth.refresh({ force: true }))).toBe(boom);
    expect(auth.getTokens()).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-1' });
  });

  test.each(hows)('storage.remove that %s during logout → logout() rejects with its error, onLogout once, tokens cleared', async (how) => {
    const unhandled = watchUnhandled();
    const boom = new StorageFailure('keychain locked');
    const storage: TokenStorage = { ...memoryStorage(), remove: failing[how](boom) };
    const onLogout = vi.fn();
    const { api, mock, auth } = setup({ storage, onLogout });
    const seen = recordTokens(mock);

    expect(await rejectionOf(auth.logout())).toBe(boom);

    expect(onLogout).toHaveBeenCalledTimes(1);
    expect(onLogout).toHaveBeenCalledWith({ reason: 'logout' });
    expect(auth.getTokens()).toBeNull();
    await api.get('/data');
    expect(seen).toEqual([undefined]);
    await auth.logout();
    expect(onLogout).toHaveBeenCalledTimes(1);
    await flush();
    expect(unhandled.stop()).toEqual([]);
  });

  test('a failed write does not stop later writes', async () => {
    const boom = new StorageFailure('quota exceeded');
    const kept = memoryStorage();
    let failNext = true;
    const storage: TokenStorage = {
      ...kept,
      set: async (tokens) => {
        await Promise.resolve();
        if (failNext) {
          failNext = false;
          throw boom;
        }
        kept.set(tokens);
      },
    };
    const { auth } = setup({ storage });

    const first = auth.setTokens({ accessToken: 'access-a' });
    const second = auth.setTokens({ accessToken: 'access-b' });

    expect(await rejectionOf(first)).toBe(boom);
    await second;
    expect(kept.get()).toEqual({ accessToken: 'access-b' });
  });

  test('a write error during a scheduled refresh is rethrown on its own, and the new tokens stay', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const boom = new StorageFailure('quota exceeded');
    const storage: TokenStorage = { ...memoryStorage(), set: failing['rejects asynchronously'](boom) };
    const { auth, refreshCalls } = setup({ storage, scheduleRefresh: true, now: () => Date.now() }, null);
    await rejectionOf(auth.setTokens({ accessToken: 'access-a', refreshToken: 'refresh-a', expiresIn: 60 }));

    vi.advanceTimersByTime(30_000);
    await flush();
    expect(refreshCalls).toHaveLength(1);

    expect(() => vi.runOnlyPendingTimers()).toThrow(boom);
    expect(auth.getTokens()?.accessToken).toBe('access-1');
  });
});
