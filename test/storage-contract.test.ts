import { describe, expect, test, vi } from 'vitest';
import type { SessionEvent, TokenSet, TokenStorage } from '../src/index.js';
import { memoryStorage } from '../src/storage.js';
import { deferred, flush, setup, tokenOf } from './helpers.js';
import type { Deferred } from './helpers.js';
import { track } from './faults/support.js';

const STORED: TokenSet = { accessToken: 'access-stored', refreshToken: 'refresh-stored' };

/** An async storage whose every call settles when the test says. */
function heldStorage(): {
  readonly storage: TokenStorage;
  readonly gets: Array<Deferred<TokenSet | null | undefined>>;
  readonly sets: Array<{ readonly tokens: TokenSet; readonly done: Deferred<void> }>;
  readonly removes: Array<Deferred<void>>;
} {
  const gets: Array<Deferred<TokenSet | null | undefined>> = [];
  const sets: Array<{ readonly tokens: TokenSet; readonly done: Deferred<void> }> = [];
  const removes: Array<Deferred<void>> = [];
  const storage: TokenStorage = {
    get: () => {
      const answer = deferred<TokenSet | null | undefined>();
      gets.push(answer);
      return answer.promise;
    },
    set: (tokens) => {
      const done = deferred();
      sets.push({ tokens, done });
      return done.promise;
    },
    remove: () => {
      const done = deferred();
      removes.push(done);
      return done.promise;
    },
  };
  return { storage, gets, sets, removes };
}

/** `GET /data` answers 200 and records the token each request carried. */
function recordTokens(mock: ReturnType<typeof setup>['mock']): Array<string | undefined> {
  const seen: Array<string | undefined> = [];
  mock.onGet('/data').reply((config) => {
    seen.push(tokenOf(config));
    return [200, {}];
  });
  return seen;
}

describe('storage: tokens loaded at attach', () => {
  test('a sync storage: the first request carries the stored token', async () => {
    const storage = memoryStorage(STORED);
    const { api, mock, auth } = setup({ storage }, null);
    const seen = recordTokens(mock);

    await api.get('/data');

    expect(seen).toEqual(['access-stored']);
    expect(auth.getTokens()).toEqual(STORED);
  });

  test('an async storage: a request made before get settles waits for it, then carries the stored token', async () => {
    const held = heldStorage();
    const { api, mock, auth } = setup({ storage: held.storage }, null);
    const seen = recordTokens(mock);

    const request = track(api.get('/data'));
    await flush();
    expect(held.gets).toHaveLength(1);
    expect(seen).toEqual([]);
    expect(request.settled).toBe(false);
    expect(auth.getTokens()).toBeNull();

    held.gets[0]?.resolve(STORED);
    await flush();

    expect(seen).toEqual(['access-stored']);
    expect(request.settled).toBe(true);
    expect(request.error).toBeUndefined();
    expect(auth.getTokens()).toEqual(STORED);
  });

  test('ready() resolves only once the stored tokens are loaded', async () => {
    const held = heldStorage();
    const { auth } = setup({ storage: held.storage }, null);

    const ready = track(auth.ready());
    await flush();
    expect(ready.settled).toBe(false);

    held.gets[0]?.resolve(STORED);
    await flush();

    expect(ready.settled).toBe(true);
    expect(ready.error).toBeUndefined();
    expect(auth.getTokens()).toEqual(STORED);
  });

  test('reports the loaded tokens to subscribers as a set event', async () => {
    const held = heldStorage();
    const { auth } = setup({ storage: held.storage }, null);
    const events: SessionEvent[] = [];
    auth.subscribe((event) => events.push(event));
    await flush();

    held.gets[0]?.resolve(STORED);
    await auth.ready();

    expect(events).toEqual([{ type: 'set', tokens: STORED }]);
  });

  test('setTokens during the load wins: the stored tokens are discarded', async () => {
    const held = heldStorage();
    const { api, mock, auth } = setup({ storage: held.storage }, null);
    const seen = recordTokens(mock);
    const request = track(api.get('/data'));
    await flush();

    const set = auth.setTokens({ accessToken: 'access-login', refreshToken: 'refresh-login' });
    await flush();
    held.sets[0]?.done.resolve();
    await set;
    held.gets[0]?.resolve(STORED);
    await auth.ready();
    await flush();

    expect(auth.getTokens()).toEqual({ accessToken: 'access-login', refreshToken: 'refresh-login' });
    expect(request.settled).toBe(true);
    expect(seen).toEqual(['access-login']);
    await api.get('/data');
    expect(seen).toEqual(['access-login', 'access-login']);
    expect(held.sets.map((write) => write.tokens.accessToken)).toEqual(['access-login']);
  });

  test('logout during the load wins: the stored tokens are discarded and requests go without a token', async () => {
    const held = heldStorage();
    const { api, mock, auth } = setup({ storage: held.storage }, null);
    const seen = recordTokens(mock);
    const request = track(api.get('/data'));
    await flush();

    const logout = track(auth.logout());
    await flush();
    for (const removal of held.removes) removal.resolve();
    held.gets[0]?.resolve(STORED);
    await auth.ready();
    await flush();

    expect(logout.settled).toBe(true);
    expect(auth.getTokens()).toBeNull();
    expect(request.settled).toBe(true);
    await api.get('/data');
    expect(seen).toEqual([undefined, undefined]);
    // The session logged out of is not restored at the next start either.
    expect(held.removes).toHaveLength(1);
  });

  const invalid: Array<[string, unknown]> = [
    ['an empty object', {}],
    ['a string', 'access-stored'],
    ['a token with a space', { accessToken: 'access stored', refreshToken: 'refresh-stored' }],
    ['a token with a line break', { accessToken: 'access-stored\r\nX-Evil: 1' }],
    ['an empty access token', { accessToken: '' }],
    ['a non-numeric expiresAt', { accessToken: 'access-stored', expiresAt: 'tomorrow' }],
  ];
  test.each(invalid)('stored data that is not a token set (%s) is no session: requests go without a token', async (_name, value) => {
    const storage: TokenStorage = { get: async () => value as TokenSet, set: vi.fn(), remove: vi.fn() };
    const { api, mock, auth, refreshCalls } = setup({ storage }, null);
    const seen: Array<string | undefined> = [];
    mock.onGet('/data').reply((config) => {
      const token = tokenOf(config);
      seen.push(token);
      return [token === undefined ? 200 : 401, {}];
    });

    await expect(auth.ready()).resolves.toBeUndefined();
    const response = await api.get('/data');

    expect(response.status).toBe(200);
    expect(seen).toEqual([undefined]);
    expect(auth.getTokens()).toBeNull();
    expect(refreshCalls).toHaveLength(0);
  });

  test('with options.tokens, the storage is not read', async () => {
    const storage = memoryStorage(STORED);
    const get = vi.spyOn(storage, 'get');
    const { api, mock, auth } = setup({ storage });
    const seen = recordTokens(mock);

    await auth.ready();
    await api.get('/data');

    expect(get).not.toHaveBeenCalled();
    expect(seen).toEqual(['access-0']);
    expect(auth.getTokens()).toEqual({ accessToken: 'access-0', refreshToken: 'refresh-0' });
  });
});

describe('storage: writes', () => {
  test('setTokens writes the token set and resolves only after the write', async () => {
    const held = heldStorage();
    const { auth } = setup({ storage: held.storage });

    const set = track(auth.setTokens({ accessToken: 'access-a', refreshToken: 'refresh-a' }));
    await flush();

    expect(held.sets.map((write) => write.tokens)).toEqual([{ accessToken: 'access-a', refreshToken: 'refresh-a' }]);
    expect(set.settled).toBe(false);

    held.sets[0]?.done.resolve();
    await flush();

    expect(set.settled).toBe(true);
    expect(set.error).toBeUndefined();
  });

  test('setTokens writes the expiry it knows as expiresAt, without expiresIn', async () => {
    const storage = memoryStorage();
    const { auth } = setup({ storage, now: () => 1_000_000 });

    await auth.setTokens({ accessToken: 'access-a', refreshToken: 'refresh-a', expiresIn: 600 });

    expect(storage.get()).toEqual({ accessToken: 'access-a', refreshToken: 'refresh-a', expiresAt: 1_000_000 + 600_000 });
  });

  test('a refresh writes the rotated token set, with expiresAt, before any waiting request is replayed', async () => {
    const held = heldStorage();
    const answer = deferred<TokenSet>();
    const { api, mock, refreshCalls } = setup({ storage: held.storage, now: () => 1_000_000, refresh: () => answer.promise });
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
    await flush();

    answer.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1', expiresIn: 3600 });
    await flush();

    expect(held.sets.map((write) => write.tokens)).toEqual([
      { accessToken: 'access-1', refreshToken: 'refresh-1', expiresAt: 1_000_000 + 3_600_000 },
    ]);
    expect(seen).toEqual(['access-0']);
    expect(first.settled).toBe(false);
    expect(second.settled).toBe(false);

    held.sets[0]?.done.resolve();
    await flush();

    expect(seen).toEqual(['access-0', 'access-1', 'access-1']);
    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
    expect(first.settled && second.settled).toBe(true);
  });

  test('a refresh answer without a refresh token writes the kept one', async () => {
    const storage = memoryStorage();
    const { auth } = setup({ storage, refresh: () => ({ accessToken: 'access-1' }) });

    await auth.refresh({ force: true });

    expect(storage.get()).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-0' });
  });

  test('refresh() resolves with the new tokens only after they are written', async () => {
    const held = heldStorage();
    const { auth } = setup({ storage: held.storage });

    const refreshed = track(auth.refresh({ force: true }));
    await flush();
    expect(held.sets.map((write) => write.tokens)).toEqual([{ accessToken: 'access-1', refreshToken: 'refresh-1' }]);
    expect(refreshed.settled).toBe(false);

    held.sets[0]?.done.resolve();
    await flush();

    expect(refreshed.value).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-1' });
  });

  test('writes land in the order the tokens changed, even when an earlier write is slower', async () => {
    const pending: Array<() => void> = [];
    const landed: string[] = [];
    let kept: string | null = 'access-0';
    let inProgress = 0;
    let mostInProgress = 0;
    const write = (what: string | null): Promise<void> => {
      inProgress += 1;
      mostInProgress = Math.max(mostInProgress, inProgress);
      return new Promise((resolve) => {
        pending.push(() => {
          inProgress -= 1;
          kept = what;
          landed.push(what ?? 'removed');
          resolve();
        });
      });
    };
    const storage: TokenStorage = { get: () => null, set: (tokens) => write(tokens.accessToken), remove: () => write(null) };
    const { auth } = setup({ storage });

    const done = Promise.all([
      auth.setTokens({ accessToken: 'access-a' }),
      auth.logout(),
      auth.setTokens({ accessToken: 'access-b' }),
    ]);
    // The newest write started lands first: slower earlier writes land later.
    for (let round = 0; round < 10; round += 1) {
      await flush();
      pending.pop()?.();
    }
    await done;

    expect(landed).toEqual(['access-a', 'removed', 'access-b']);
    expect(kept).toBe('access-b');
    expect(mostInProgress).toBe(1);
  });

  test('logout removes the stored tokens', async () => {
    const storage = memoryStorage(STORED);
    const remove = vi.spyOn(storage, 'remove');
    const { auth } = setup({ storage }, null);
    await auth.ready();

    await auth.logout();

    expect(remove).toHaveBeenCalledTimes(1);
    expect(storage.get()).toBeNull();
  });

  test('logout resolves only after the tokens are removed', async () => {
    const held = heldStorage();
    const { auth } = setup({ storage: held.storage });

    const logout = track(auth.logout());
    await flush();
    expect(held.removes).toHaveLength(1);
    expect(logout.settled).toBe(false);

    held.removes[0]?.resolve();
    await flush();

    expect(logout.settled).toBe(true);
    expect(logout.error).toBeUndefined();
  });

  test('a rejected refresh removes the stored tokens', async () => {
    const storage = memoryStorage();
    const { auth } = setup({
      storage,
      refresh: () => Promise.reject(Object.assign(new Error('refresh endpoint answered 401'), { response: { status: 401 } })),
    });
    await auth.setTokens({ accessToken: 'access-a', refreshToken: 'refresh-a' });
    expect(storage.get()).not.toBeNull();

    await expect(auth.refresh({ force: true })).rejects.toMatchObject({ code: 'REFRESH_REJECTED' });

    expect(storage.get()).toBeNull();
  });
});
