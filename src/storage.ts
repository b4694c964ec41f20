import { reportAside } from './errors.js';
import { tokenSetProblem } from './token.js';
import type { TokenSet } from './token.js';

/**
 * Where a session's tokens are kept beyond memory. Each method may answer at once or with a
 * promise (React Native's secure stores are async). Errors thrown here reach the caller of the
 * operation that needed storage (`setTokens`, `logout`, a request waiting on the first load).
 */
export interface TokenStorage {
  /** The kept token set, or `null`/`undefined` when there is none. */
  get(): TokenSet | null | undefined | Promise<TokenSet | null | undefined>;
  /** Keeps `tokens`, replacing what was kept. */
  set(tokens: TokenSet): void | Promise<void>;
  /** Forgets the kept tokens. */
  remove(): void | Promise<void>;
}

/** A {@link TokenStorage} in memory: what the library does without one; handy for sharing or tests. */
export function memoryStorage(initial: TokenSet | null = null): TokenStorage {
  let kept = initial;
  return {
    get: () => kept,
    set: (tokens) => {
      kept = tokens;
    },
    remove: () => {
      kept = null;
    },
  };
}

/** Options of {@link webStorage}. */
export interface WebStorageOptions {
  /**
   * The key the token set is kept under.
   * @default 'axios-refresh-interceptor'
   */
  key?: string | undefined;
  /**
   * `'local'` for `localStorage` (shared by the origin's tabs, kept across restarts), `'session'`
   * for `sessionStorage` (this tab only), or any object with the Web Storage methods.
   * @default 'local'
   */
  area?: 'local' | 'session' | Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined;
  /**
   * Told when the storage cannot be used (private browsing, a full quota, stored data that is not a
   * token set). The tokens stay usable in memory meanwhile. Without it, such errors are rethrown on
   * their own (`setTimeout`), where your error reporting sees them, and never break a request.
   * @default undefined
   */
  onError?: ((error: unknown) => void) | undefined;
}

/**
 * A {@link TokenStorage} in `localStorage` or `sessionStorage`, as JSON under one key. Safe where
 * there is no `window` (server rendering: memory only) and where storage throws (memory meanwhile).
 * Anything in web storage is readable by any script running in the page: see the README.
 */
export function webStorage(options: WebStorageOptions = {}): TokenStorage {
  const { key = 'axios-refresh-interceptor', area = 'local', onError } = options;
  if (typeof key !== 'string' || key === '') {
    throw new TypeError(`axios-refresh-interceptor: webStorage: key must be a non-empty string; received ${typeof key}`);
  }
  let memory: TokenSet | null = null;
  /** A write failed: memory holds the newer truth. */
  let unwritten = false;
  const fail = (error: unknown): void => (onError ?? reportAside)(error);
  const backend = (): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined => {
    if (typeof area === 'object') return area;
    // Reading the property itself throws where storage is blocked.
    const scope = globalThis as { localStorage?: Storage; sessionStorage?: Storage };
    return area === 'session' ? scope.sessionStorage : scope.localStorage;
  };
  const use = <T>(action: (storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>) => T): T | undefined => {
    let storage: ReturnType<typeof backend>;
    try {
      storage = backend();
      return storage ? action(storage) : undefined;
    } catch (error) {
      fail(error);
      return undefined;
    }
  };
  return {
    get() {
      const text = use((storage) => storage.getItem(key));
      if (text === undefined || unwritten) return memory;
      if (text === null) return null;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        fail(new SyntaxError(`axios-refresh-interceptor: webStorage: the value under "${key}" is not JSON`));
        return null;
      }
      const problem = tokenSetProblem(value);
      if (problem) {
        fail(new TypeError(`axios-refresh-interceptor: webStorage: the value under "${key}" is not a token set: ${problem}`));
        return null;
      }
      return value as TokenSet;
    },
    set(tokens) {
      memory = tokens;
      unwritten = use((storage) => storage.setItem(key, JSON.stringify(tokens)) ?? true) === undefined;
    },
    remove() {
      memory = null;
      unwritten = use((storage) => storage.removeItem(key) ?? true) === undefined;
    },
  };
}
