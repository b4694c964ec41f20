import { describe, expect, test } from 'vitest';
import type { TokenSet, TokenStorage } from '../src/index.js';
import { flush, setup, tokenOf } from './helpers.js';
import { track } from './faults/support.js';

/**
 * An async secure store with expo-secure-store's methods. Every call is answered later, when the
 * test calls `settle()`, and only then takes effect, as a native keychain write does.
 */
function fakeSecureStore(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  const queue: Array<() => void> = [];
  const later = <T>(operation: () => T): Promise<T> =>
    new Promise((resolve) => {
      queue.push(() => resolve(operation()));
    });
  return {
    items,
    pending: (): number => queue.length,
    settle: (): void => {
      for (const operation of queue.splice(0)) operation();
    },
    getItemAsync: (key: string): Promise<string | null> => later(() => items.get(key) ?? null),
    setItemAsync: (key: string, value: string): Promise<void> =>
      later(() => {
        items.set(key, value);
      }),
    deleteItemAsync: (key: string): Promise<void> =>
      later(() => {
        items.delete(key);
      }),
  };
}

/** The adapter of the README recipe, over `SecureStore`. */
function recipeStorage(SecureStore: ReturnType<typeof fakeSecureStore>): TokenStorage {
  const KEY = 'api-tokens';
  const secureStorage: TokenStorage = {
    get: async () => {
      const text = await SecureStore.getItemAsync(KEY);
      return text ? (JSON.parse(text) as TokenSet) : null;
    },
    set: (tokens) => SecureStore.setItemAsync(KEY, JSON.stringify(tokens)),
    remove: () => SecureStore.deleteItemAsync(KEY),
  };
  return secureStorage;
}

const NOW = 1_700_000_000_000;

describe('README recipe: React Native: tokens in the secure store', () => {
  test('the stored session is loaded before the first request, a rotated one is written before the replay and restored at the next start', async () => {
    const SecureStore = fakeSecureStore({ 'api-tokens': JSON.stringify({ accessToken: 'access-stored', refreshToken: 'refresh-stored' }) });
    const refreshed: Array<string | null | undefined> = [];
    const { api, mock, auth } = setup(
      {
        storage: recipeStorage(SecureStore),
        now: () => NOW,
        refresh: ({ refreshToken }) => {
          refreshed.push(refreshToken);
          return { accessToken: 'access-1', refreshToken: 'refresh-1', expiresIn: 3600 };
        },
      },
      null,
    );
    const seen: Array<string | undefined> = [];
    mock.onGet('/data').reply((config) => {
      const token = tokenOf(config);
      seen.push(token);
      return [token === 'access-1' ? 200 : 401, {}];
    });

    const request = track(api.get('/data'));
    await flush();
    expect(SecureStore.pending()).toBe(1);
    expect(seen).toEqual([]);

    SecureStore.settle();
    await flush();
    expect(seen).toEqual(['access-stored']);
    expect(refreshed).toEqual(['refresh-stored']);
    expect(SecureStore.pending()).toBe(1);
    expect(request.settled).toBe(false);

    SecureStore.settle();
    await flush();
    expect(seen).toEqual(['access-stored', 'access-1']);
    expect(request.error).toBeUndefined();
    expect(request.settled).toBe(true);
    const kept = { accessToken: 'access-1', refreshToken: 'refresh-1', expiresAt: NOW + 3_600_000 };
    expect(JSON.parse(SecureStore.items.get('api-tokens') ?? 'null')).toEqual(kept);

    // The next start of the app.
    const restarted = setup({ storage: recipeStorage(SecureStore), now: () => NOW }, null);
    const ready = restarted.auth.ready();
    await flush();
    SecureStore.settle();
    await ready;
    expect(restarted.auth.getTokens()).toEqual(kept);
    expect(auth.getTokens()).toEqual(kept);
  });

  test('logout deletes the stored session: the next start has none', async () => {
    const SecureStore = fakeSecureStore({ 'api-tokens': JSON.stringify({ accessToken: 'access-stored', refreshToken: 'refresh-stored' }) });
    const { auth } = setup({ storage: recipeStorage(SecureStore) }, null);
    const ready = auth.ready();
    await flush();
    SecureStore.settle();
    await ready;
    expect(auth.getTokens()?.accessToken).toBe('access-stored');

    const logout = track(auth.logout());
    await flush();
    expect(logout.settled).toBe(false);
    SecureStore.settle();
    await flush();
    expect(logout.settled).toBe(true);
    expect(logout.error).toBeUndefined();
    expect(SecureStore.items.has('api-tokens')).toBe(false);

    const restarted = setup({ storage: recipeStorage(SecureStore) }, null);
    const restartedReady = restarted.auth.ready();
    await flush();
    SecureStore.settle();
    await restartedReady;
    expect(restarted.auth.getTokens()).toBeNull();
  });
});
