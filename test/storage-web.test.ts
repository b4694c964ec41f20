import { afterEach, describe, expect, test, vi } from 'vitest';
import type { TokenSet } from '../src/index.js';
import { memoryStorage, webStorage } from '../src/storage.js';
import { setup, tokenOf } from './helpers.js';

const KEY = 'axios-refresh-interceptor';
const STORED: TokenSet = { accessToken: 'access-stored', refreshToken: 'refresh-stored' };

/** A Web Storage area in a Map, as a browser's `localStorage` behaves. */
class FakeStorage {
  readonly items = new Map<string, string>();
  constructor(entries: Record<string, string> = {}) {
    for (const [key, value] of Object.entries(entries)) this.items.set(key, value);
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** A storage that refuses everything, as in private browsing or with a full quota. */
class RefusingStorage {
  readonly error = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  getItem(): never {
    throw this.error;
  }
  setItem(): never {
    throw this.error;
  }
  removeItem(): never {
    throw this.error;
  }
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

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('webStorage', () => {
  test('with a Storage object as area: loads the kept session at attach, writes on change, removes on logout', async () => {
    const area = new FakeStorage({ [KEY]: JSON.stringify(STORED) });
    const { api, mock, auth } = setup({ storage: webStorage({ area }) }, null);
    const seen = recordTokens(mock);

    await api.get('/data');
    expect(seen).toEqual(['access-stored']);

    await auth.setTokens({ accessToken: 'access-a', refreshToken: 'refresh-a' });
    expect(JSON.parse(area.getItem(KEY) ?? 'null')).toEqual({ accessToken: 'access-a', refreshToken: 'refresh-a' });

    await auth.logout();
    expect(area.items.has(KEY)).toBe(false);
  });

  test("uses globalThis.localStorage by default and 'session' uses sessionStorage", async () => {
    const local = new FakeStorage();
    const session = new FakeStorage();
    vi.stubGlobal('localStorage', local);
    vi.stubGlobal('sessionStorage', session);

    const inLocal = webStorage();
    const inSession = webStorage({ area: 'session' });
    await inLocal.set({ accessToken: 'access-local' });
    await inSession.set({ accessToken: 'access-session' });

    expect(JSON.parse(local.getItem(KEY) ?? 'null')).toEqual({ accessToken: 'access-local' });
    expect(JSON.parse(session.getItem(KEY) ?? 'null')).toEqual({ accessToken: 'access-session' });
    expect(await webStorage({ area: 'local' }).get()).toEqual({ accessToken: 'access-local' });
    expect(await webStorage({ area: 'session' }).get()).toEqual({ accessToken: 'access-session' });
  });

  test('reads the storage in place when it is used, not when webStorage() is called', async () => {
    const storage = webStorage();
    const local = new FakeStorage({ [KEY]: JSON.stringify(STORED) });
    vi.stubGlobal('localStorage', local);

    const { api, mock } = setup({ storage }, null);
    const seen = recordTokens(mock);
    await api.get('/data');

    expect(seen).toEqual(['access-stored']);
  });

  test('without window or web storage (server rendering): memory only, nothing thrown', async () => {
    vi.stubGlobal('localStorage', undefined);
    vi.stubGlobal('sessionStorage', undefined);
    expect(typeof window).toBe('undefined');
    const onError = vi.fn();
    const storage = webStorage({ onError });

    expect(await storage.get()).toBeNull();
    const { api, mock, auth } = setup({ storage }, null);
    const seen = recordTokens(mock);
    await auth.ready();
    await auth.setTokens({ accessToken: 'access-a', refreshToken: 'refresh-a' });
    expect(await storage.get()).toEqual({ accessToken: 'access-a', refreshToken: 'refresh-a' });
    await api.get('/data');
    await auth.logout();

    expect(await storage.get()).toBeNull();
    expect(seen).toEqual(['access-a']);
    expect(onError).not.toHaveBeenCalled();
    expect(await webStorage({ area: 'session' }).get()).toBeNull();
  });

  test('a storage whose every method throws: memory meanwhile, each error to onError, requests unaffected', async () => {
    const area = new RefusingStorage();
    const onError = vi.fn();
    const storage = webStorage({ area, onError });
    const { api, mock, auth } = setup({ storage }, null);
    const seen = recordTokens(mock);

    await auth.ready();
    expect(onError).toHaveBeenCalledTimes(1);
    await auth.setTokens({ accessToken: 'access-a', refreshToken: 'refresh-a' });
    expect(onError).toHaveBeenCalledTimes(2);
    expect(await storage.get()).toEqual({ accessToken: 'access-a', refreshToken: 'refresh-a' });
    await api.get('/data');
    await auth.logout();
    expect(await storage.get()).toBeNull();

    expect(seen).toEqual(['access-a']);
    expect(onError.mock.calls.every(([error]) => error === area.error)).toBe(true);
    expect(onError.mock.calls.length).toBeGreaterThanOrEqual(4);
  });

  test('where reading localStorage itself throws (storage blocked): memory meanwhile, the error to onError', async () => {
    const blocked = new DOMException('Access is denied for this document.', 'SecurityError');
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get: () => {
        throw blocked;
      },
    });
    try {
      const onError = vi.fn();
      const storage = webStorage({ onError });
      const { api, mock, auth } = setup({ storage }, null);
      const seen = recordTokens(mock);

      await auth.setTokens({ accessToken: 'access-a' });
      await api.get('/data');

      expect(seen).toEqual(['access-a']);
      expect(await storage.get()).toEqual({ accessToken: 'access-a' });
      expect(onError).toHaveBeenCalledWith(blocked);
    } finally {
      if (descriptor) Object.defineProperty(globalThis, 'localStorage', descriptor);
      else Reflect.deleteProperty(globalThis, 'localStorage');
    }
  });

  test('a throwing storage without onError: the error is rethrown on its own, and the request still goes out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const area = new RefusingStorage();
    const storage = webStorage({ area });
    const { api, mock, auth } = setup({ storage }, null);
    const seen = recordTokens(mock);

    await auth.ready();
    await auth.setTokens({ accessToken: 'access-a' });
    await api.get('/data');

    expect(seen).toEqual(['access-a']);
    expect(vi.getTimerCount()).toBe(2);
    expect(() => vi.runAllTimers()).toThrow(area.error);
  });

  test('a write that failed is not undone by reading: get() answers the newer tokens from memory', async () => {
    const area = new FakeStorage({ [KEY]: JSON.stringify(STORED) });
    const onError = vi.fn();
    const storage = webStorage({ area, onError });
    const full = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    vi.spyOn(area, 'setItem').mockImplementation(() => {
      throw full;
    });

    await storage.set({ accessToken: 'access-a' });

    expect(onError).toHaveBeenCalledWith(full);
    expect(await storage.get()).toEqual({ accessToken: 'access-a' });
  });

  test('stored text that is not JSON: no session, and the error is reported', async () => {
    const area = new FakeStorage({ [KEY]: '{not json' });
    const onError = vi.fn();
    const { api, mock, auth } = setup({ storage: webStorage({ area, onError }) }, null);
    const seen = recordTokens(mock);

    await auth.ready();
    await api.get('/data');

    expect(auth.getTokens()).toBeNull();
    expect(seen).toEqual([undefined]);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[0]).toBeInstanceOf(SyntaxError);
    expect(String(onError.mock.calls[0]?.[0])).toContain(KEY);
  });

  test('stored text that is not JSON without onError: the error is rethrown on its own, not from ready()', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const area = new FakeStorage({ [KEY]: 'access-stored' });
    const { auth } = setup({ storage: webStorage({ area }) }, null);

    await expect(auth.ready()).resolves.toBeUndefined();

    expect(auth.getTokens()).toBeNull();
    expect(() => vi.runAllTimers()).toThrow(SyntaxError);
  });

  test('stored JSON that is not a token set: no session, and the error is reported', async () => {
    const area = new FakeStorage({ [KEY]: JSON.stringify({ token: 'access-stored' }) });
    const onError = vi.fn();
    const { auth } = setup({ storage: webStorage({ area, onError }) }, null);

    await auth.ready();

    expect(auth.getTokens()).toBeNull();
    expect(onError).toHaveBeenCalledTimes(1);
  });

  test('a custom key: reads and writes that key only', async () => {
    const area = new FakeStorage({ [KEY]: JSON.stringify({ accessToken: 'access-other' }), 'app:session': JSON.stringify(STORED) });
    const { api, mock, auth } = setup({ storage: webStorage({ area, key: 'app:session' }) }, null);
    const seen = recordTokens(mock);

    await api.get('/data');
    await auth.setTokens({ accessToken: 'access-a' });

    expect(seen).toEqual(['access-stored']);
    expect(JSON.parse(area.getItem('app:session') ?? 'null')).toEqual({ accessToken: 'access-a' });
    expect(JSON.parse(area.getItem(KEY) ?? 'null')).toEqual({ accessToken: 'access-other' });
    await auth.logout();
    expect(area.items.has('app:session')).toBe(false);
    expect(area.items.has(KEY)).toBe(true);
  });

  test('an empty key is a TypeError', () => {
    expect(() => webStorage({ key: '' })).toThrow(TypeError);
  });
});

describe('memoryStorage', () => {
  test('memoryStorage(initial): the first request carries the initial tokens; writes and logout update it', async () => {
    const storage = memoryStorage(STORED);
    const { api, mock, auth } = setup({ storage }, null);
    const seen = recordTokens(mock);

    await api.get('/data');
    expect(seen).toEqual(['access-stored']);

    await auth.setTokens({ accessToken: 'access-a' });
    expect(storage.get()).toEqual({ accessToken: 'access-a' });
    await auth.logout();
    expect(storage.get()).toBeNull();
  });
});
