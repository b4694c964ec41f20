import { RefreshError, reportAside as report } from './errors.js';
import type { CrossTab, CrossTabConnection, SessionChange, SessionLink } from './options.js';
import type { TokenSet } from './token.js';

/** Options of {@link crossTab}. */
export interface CrossTabOptions {
  /**
   * Scopes the lock, the channel and the shared record: tabs of an origin with the same name share
   * one session. Give each API its own name when several instances use `crossTab`.
   * @default 'axios-refresh-interceptor' (the default `webStorage` key)
   */
  name?: string | undefined;
  /**
   * How long a refresh waits for another tab's refresh to finish before it gives up with
   * `REFRESH_TIMEOUT` (tokens kept; a later request tries again), so a tab never hangs on the lock.
   * @default 10000
   */
  lockTimeout?: number | undefined;
}

/** The newest change of the session, kept in IndexedDB and sent to every tab. Versions only grow. */
interface SharedState {
  readonly version: number;
  readonly change: SessionChange;
}

interface Environment {
  readonly locks: LockManager;
  readonly indexedDB: IDBFactory;
  readonly Channel: typeof BroadcastChannel | undefined;
  readonly window: (Pick<Window, 'addEventListener' | 'removeEventListener'> & { localStorage?: Storage }) | undefined;
}

function environment(): Environment | undefined {
  const scope = globalThis as {
    navigator?: { locks?: LockManager };
    indexedDB?: IDBFactory;
    BroadcastChannel?: typeof BroadcastChannel;
    addEventListener?: Window['addEventListener'];
  };
  const locks = scope.navigator?.locks;
  if (!locks || !scope.indexedDB) return undefined;
  return {
    locks,
    indexedDB: scope.indexedDB,
    Channel: scope.BroadcastChannel,
    window: typeof scope.addEventListener === 'function' ? (scope as Environment['window']) : undefined,
  };
}

/**
 * One session across the tabs of an origin, for the `crossTab` option. A refresh runs in a Web Lock
 * shared by the tabs; the tab holding it writes the new tokens to IndexedDB (read consistently by
 * every tab, unlike `localStorage`) before letting go, so the next holder adopts them instead of
 * presenting a spent refresh token. Every change carries a version, and an older one never replaces
 * a newer one. Logins and logouts reach the other tabs through a `BroadcastChannel` (or `storage`
 * events where there is none). Without Web Locks or IndexedDB (older browsers, React Native, Node)
 * each tab keeps its own session, as without the option.
 *
 * @example
 * ```ts
 * import { crossTab } from 'axios-refresh-interceptor/cross-tab';
 * attachRefreshInterceptor(api, { refresh, storage: webStorage(), crossTab: crossTab() });
 * ```
 */
export function crossTab(options: CrossTabOptions = {}): CrossTab {
  const { name = 'axios-refresh-interceptor', lockTimeout = 10_000 } = options;
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`axios-refresh-interceptor: crossTab: name must be a non-empty string; received ${typeof name}`);
  }
  if (typeof lockTimeout !== 'number' || !(lockTimeout > 0)) {
    throw new TypeError(`axios-refresh-interceptor: crossTab: lockTimeout must be a number of milliseconds > 0; received ${String(lockTimeout)}`);
  }
  return {
    connect(link) {
      const env = environment();
      return env ? connect(env, link, `axios-refresh-interceptor:${name}`, lockTimeout) : alone();
    },
  };
}

/** Where tabs cannot be coordinated: this tab's session only. */
function alone(): CrossTabConnection {
  return {
    start: () => Promise.resolve(),
    refresh: (mint) => mint(),
    publish: () => undefined,
    close: () => undefined,
  };
}

function connect(env: Environment, link: SessionLink, key: string, lockTimeout: number): CrossTabConnection {
  /** The version of the newest shared state this tab has seen or written. */
  let version = 0;
  /** Local changes being published; states heard meanwhile wait until they are written. */
  let publishing = 0;
  let heard: SharedState[] = [];
  let closed = false;

  let database: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> =>
    (database ??= new Promise((resolve, reject) => {
      const request = env.indexedDB.open(key, 1);
      request.onupgradeneeded = () => request.result.createObjectStore('session');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    }));
  /** Runs one IndexedDB transaction; resolves once it is committed. */
  const transact = async <T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await open();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction('session', mode);
      const request = action(transaction.objectStore('session'));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = transaction.onabort = () => reject(transaction.error);
    });
  };
  const read = (): Promise<SharedState | undefined> =>
    transact('readonly', (store) => store.get('state') as IDBRequest<SharedState | undefined>);

  const hear = (state: SharedState): void => {
    if (closed || typeof state?.version !== 'number') return;
    if (publishing > 0) {
      heard.push(state);
      return;
    }
    if (state.version <= version) return; // older than what this tab knows
    version = state.version;
    link.adopt(state.change);
  };

  const channel = env.Channel ? new env.Channel(key) : undefined;
  const onMessage = (event: MessageEvent<SharedState>): void => hear(event.data);
  channel?.addEventListener('message', onMessage);
  // Without BroadcastChannel, `storage` events carry the states between tabs.
  const messageKey = `${key}:message`;
  const onStorage = (event: StorageEvent): void => {
    if (event.key !== messageKey || !event.newValue) return;
    try {
      hear(JSON.parse(event.newValue) as SharedState);
    } catch {
      // Not one of ours.
    }
  };
  if (!channel) env.window?.addEventListener('storage', onStorage);
  const broadcast = (state: SharedState): void => {
    if (channel) channel.postMessage(state);
    else env.window?.localStorage?.setItem(messageKey, JSON.stringify(state));
  };

  /** Runs `action` holding the tabs' lock; gives up waiting after `timeout` or when `signal` aborts. */
  const withLock = <T>(action: () => Promise<T>, signal?: AbortSignal, timeout?: number): Promise<T> => {
    const controller = new AbortController();
    const giveUp = (): void => controller.abort();
    const timer = timeout === undefined ? undefined : setTimeout(giveUp, timeout);
    signal?.addEventListener('abort', giveUp);
    let held = false;
    return env.locks
      .request(key, { signal: controller.signal }, () => {
        held = true;
        clearTimeout(timer);
        return action();
      })
      .catch((error: unknown) => {
        if (!held && !signal?.aborted) throw new RefreshError('REFRESH_TIMEOUT'); // waited too long
        throw error;
      })
      .finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', giveUp);
      }) as Promise<T>;
  };

  /**
   * Writes `change` one version above the newest state, in one transaction, then tells the other
   * tabs; unless the newest state is no longer the `expected` version (a login or logout meanwhile
   * wins over a refresh). Resolves once committed, with whether it was written.
   */
  const commit = async (change: SessionChange, expected?: number): Promise<boolean> => {
    const db = await open();
    const state = await new Promise<SharedState | undefined>((resolve, reject) => {
      const transaction = db.transaction('session', 'readwrite');
      const store = transaction.objectStore('session');
      const current = store.get('state') as IDBRequest<SharedState | undefined>;
      let written: SharedState | undefined;
      current.onsuccess = () => {
        const newest = current.result?.version ?? 0;
        if (expected !== undefined && newest !== expected) return;
        written = { version: Math.max(version, newest) + 1, change };
        store.put(written, 'state');
      };
      transaction.oncomplete = () => resolve(written);
      transaction.onerror = transaction.onabort = () => reject(transaction.error);
    });
    if (!state) return false;
    version = state.version;
    broadcast(state);
    return true;
  };

  const holderOf = async (): Promise<string | undefined> =>
    (await env.locks.query()).held?.find((lock) => lock.name === key)?.clientId;

  /**
   * `withLock` for a refresh, which never waits forever: when the wait times out and the same tab
   * still holds the lock (frozen, or stuck), the first waiting tab to notice takes it over.
   */
  const withLockOrSteal = async <T>(action: () => Promise<T>, signal: AbortSignal): Promise<T> => {
    for (;;) {
      const holder = await holderOf();
      try {
        return await withLock(action, signal, lockTimeout);
      } catch (error) {
        if (!(error instanceof RefreshError && error.code === 'REFRESH_TIMEOUT') || holder === undefined) throw error;
      }
      const taken = await env.locks.request(`${key}:steal`, async () => {
        if (signal.aborted || (await holderOf()) !== holder) return undefined;
        return { value: (await env.locks.request(key, { steal: true }, action)) as T };
      });
      if (taken) return taken.value;
    }
  };

  return {
    async start() {
      const shared = await read();
      if (!shared || shared.version <= version) return;
      version = shared.version;
      // To a tab just opened, the tabs' current session is a login.
      link.adopt(shared.change.kind === 'refresh' ? { kind: 'login', tokens: shared.change.tokens } : shared.change);
    },
    refresh(mint, signal) {
      // What this tab knew before it waited: states heard while waiting still count as "meanwhile".
      const seen = version;
      return withLockOrSteal(async (): Promise<TokenSet> => {
        const shared = await read();
        if (shared && shared.version > seen) {
          // Another tab changed the session while this one waited: its word, not a new refresh.
          version = Math.max(version, shared.version);
          if (shared.change.kind === 'refresh') return shared.change.tokens;
          link.adopt(shared.change); // a login or logout elsewhere ends this refresh's session
          throw new RefreshError('SESSION_ENDED');
        }
        const tokens = await mint();
        // Committed before the lock is let go: the next holder reads it. A login or logout
        // committed meanwhile wins, and this refresh's tokens are dropped.
        if (!(await commit({ kind: 'refresh', tokens }, shared?.version ?? 0))) throw new RefreshError('SESSION_ENDED');
        return tokens;
      }, signal);
    },
    publish(change) {
      // Without the lock: a logout must not wait for another tab's refresh; the refresh's commit
      // yields to it instead.
      publishing += 1;
      commit(change)
        .catch(report)
        .finally(() => {
          publishing -= 1;
          if (publishing > 0) return;
          const pending = heard.sort((a, b) => a.version - b.version);
          heard = [];
          pending.forEach(hear);
        });
    },
    close() {
      closed = true;
      channel?.removeEventListener('message', onMessage);
      channel?.close();
      env.window?.removeEventListener('storage', onStorage);
    },
  };
}
