import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionEvent, TokenSet } from '../src/index.js';
import { setup, tokenOf } from './helpers.js';

/**
 * What React's `useSyncExternalStore(subscribe, getSnapshot)` does with a store, without React: it
 * reads the snapshot at mount; on every notification it reads it again (twice, as React does to
 * check that it is cached) and renders only when it changed (`Object.is`).
 */
function mountStore<T>(subscribe: (onStoreChange: () => void) => () => void, getSnapshot: () => T) {
  const renders: T[] = [getSnapshot()];
  let notifications = 0;
  const uncached: number[] = [];
  const unsubscribe = subscribe(() => {
    notifications += 1;
    const next = getSnapshot();
    if (!Object.is(next, getSnapshot())) uncached.push(notifications);
    if (!Object.is(next, renders[renders.length - 1])) renders.push(next);
  });
  return {
    renders,
    uncached,
    notifications: () => notifications,
    unmount: unsubscribe,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

/** The access tokens of each render (`null` for no session). */
const accessTokens = (renders: ReadonlyArray<TokenSet | null>): Array<string | null> =>
  renders.map((tokens) => tokens?.accessToken ?? null);

describe('a UI store driven by subscribe and getTokens', () => {
  it('renders once per token change, with a snapshot that stays the same object between changes', async () => {
    let failNext = false;
    let minted = 0;
    const { api, mock, auth } = setup(
      {
        refresh: () => {
          if (failNext) {
            failNext = false;
            return Promise.reject(Object.assign(new Error('refresh endpoint answered 503'), { status: 503 }));
          }
          minted += 1;
          return { accessToken: `access-${minted}`, refreshToken: `refresh-${minted}` };
        },
      },
      null,
    );
    mock.onGet('/me').reply((config) => (tokenOf(config) === 'access-1' ? [200, {}] : [401, {}]));
    const store = mountStore(auth.subscribe, auth.getTokens);

    await auth.setTokens({ accessToken: 'access-a', refreshToken: 'refresh-a' }); // set
    await api.get('/me'); // 401: refreshing, refreshed
    for (let request = 0; request < 10; request += 1) await api.get('/me'); // nothing changes
    failNext = true;
    await auth.refresh({ force: true }).catch(() => undefined); // refreshing, refresh-failed
    await auth.refresh({ force: true }); // refreshing, refreshed
    await auth.logout(); // logout

    expect(accessTokens(store.renders)).toEqual([null, 'access-a', 'access-1', 'access-2', null]);
    expect(store.notifications()).toBe(8); // set, refreshing, refreshed, refreshing, refresh-failed, refreshing, refreshed, logout
    expect(store.uncached).toEqual([]);
    for (let render = 1; render < store.renders.length; render += 1) {
      expect(store.renders[render]).not.toBe(store.renders[render - 1]);
    }
  });

  it('sees each change in the snapshot by the time it is notified', async () => {
    const { auth } = setup({ refresh: () => ({ accessToken: 'access-1', refreshToken: 'refresh-1' }) }, null);
    const seen: Array<{ readonly type: SessionEvent['type']; readonly snapshot: TokenSet | null; readonly tokens?: TokenSet }> = [];
    auth.subscribe((event) => {
      seen.push({ type: event.type, snapshot: auth.getTokens(), ...('tokens' in event ? { tokens: event.tokens } : {}) });
    });

    await auth.setTokens({ accessToken: 'access-a', refreshToken: 'refresh-a' });
    const afterSet = auth.getTokens();
    await auth.refresh({ force: true });
    await auth.logout();

    expect(seen.map((entry) => entry.type)).toEqual(['set', 'refreshing', 'refreshed', 'logout']);
    expect(seen[0]?.snapshot).toBe(seen[0]?.tokens);
    expect(seen[0]?.snapshot).toBe(afterSet);
    expect(seen[1]?.snapshot).toBe(afterSet); // refreshing: nothing changed yet
    expect(seen[2]?.snapshot).toBe(seen[2]?.tokens);
    expect(seen[2]?.snapshot?.accessToken).toBe('access-1');
    expect(seen[3]?.snapshot).toBeNull();
  });

  it('renders a scheduled refresh without any request', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(1_893_456_000_000);
    const { auth } = setup(
      { scheduleRefresh: true, now: () => Date.now(), refresh: () => ({ accessToken: 'access-1', refreshToken: 'refresh-1', expiresIn: 3600 }) },
      { accessToken: 'access-0', refreshToken: 'refresh-0', expiresIn: 60 },
    );
    const store = mountStore(auth.subscribe, auth.getTokens);

    await vi.advanceTimersByTimeAsync(30_000);

    expect(accessTokens(store.renders)).toEqual(['access-0', 'access-1']);
    expect(store.uncached).toEqual([]);
  });

  it('renders null once when a rejected refresh ends the session', async () => {
    const { api, mock, auth } = setup({
      refresh: () => Promise.reject(Object.assign(new Error('refresh endpoint answered 401'), { status: 401 })),
    });
    mock.onGet('/me').reply(401, {});
    const store = mountStore(auth.subscribe, auth.getTokens);

    await api.get('/me').catch(() => undefined);
    await api.get('/me').catch(() => undefined);

    expect(accessTokens(store.renders)).toEqual(['access-0', null]);
  });

  it('stops rendering once unmounted', async () => {
    const { auth } = setup();
    const store = mountStore(auth.subscribe, auth.getTokens);

    await auth.refresh({ force: true });
    store.unmount();
    await auth.refresh({ force: true });
    await auth.logout();

    expect(accessTokens(store.renders)).toEqual(['access-0', 'access-1']);
  });

  it('gives each attached instance its own store', async () => {
    const one = setup();
    const two = setup();
    const first = mountStore(one.auth.subscribe, one.auth.getTokens);
    const second = mountStore(two.auth.subscribe, two.auth.getTokens);

    await one.auth.refresh({ force: true });

    expect(accessTokens(first.renders)).toEqual(['access-0', 'access-1']);
    expect(accessTokens(second.renders)).toEqual(['access-0']);
  });
});
