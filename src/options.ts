import type { AxiosError } from 'axios';
import type { RefreshError } from './errors.js';
import type { TokenStorage } from './storage.js';
import type { TokenSet } from './token.js';

declare module 'axios' {
  interface AxiosRequestConfig {
    /**
     * Send this request without a token and never refresh for it. Read as an own property only.
     * @default false
     */
    skipAuth?: boolean;
    /**
     * Send this request with the token, but never refresh or replay it when it fails with 401.
     * Read as an own property only.
     * @default false
     */
    skipAuthRefresh?: boolean;
  }
}

/** What `refresh` is given. */
export interface RefreshContext {
  /** The refresh token of the current session, or `undefined` when it has none (cookie sessions). */
  readonly refreshToken: string | undefined;
  /** The token set being refreshed, or `null` when no session is set. */
  readonly tokens: TokenSet | null;
  /**
   * Aborted when the refresh times out, or when the session ends while it runs. Pass it to the
   * refresh request. A request made with this signal on the attached instance is sent as it is:
   * no token, no waiting, no refresh of its own.
   */
  readonly signal: AbortSignal;
}

/**
 * Why a session ended: the refresh token was refused, `logout()` was called, or (with `crossTab`) the
 * session ended in another tab.
 */
export type LogoutReason = 'refresh-rejected' | 'logout' | 'other-tab';

/** What `onLogout` is given. */
export interface LogoutEvent {
  /**
   * `'refresh-rejected'` when the refresh endpoint refused the refresh token; `'logout'` for
   * `logout()`; `'other-tab'` when another tab's session ended (with `crossTab`).
   */
  readonly reason: LogoutReason;
  /** The rejection, for `'refresh-rejected'`. */
  readonly error?: RefreshError;
}

/** A change of the session, as reported to `subscribe` listeners. */
export type SessionEvent =
  | { readonly type: 'set'; readonly tokens: TokenSet }
  | { readonly type: 'refreshing' }
  | { readonly type: 'refreshed'; readonly tokens: TokenSet }
  | { readonly type: 'refresh-failed'; readonly error: RefreshError }
  | { readonly type: 'logout'; readonly reason: LogoutReason; readonly error?: RefreshError };

/** A change of the session made in one tab, told to the others (see `crossTab`). */
export type SessionChange =
  | { readonly kind: 'refresh' | 'login'; readonly tokens: TokenSet }
  | { readonly kind: 'logout' };

/** What a `crossTab` plugin is given: the session of one attached instance. */
export interface SessionLink {
  /**
   * Applies a change made in another tab: new tokens of the same session (`'refresh'`; ignored when
   * this tab has none), a new session (`'login'`), or the end of the session (`'logout'`).
   */
  adopt(change: SessionChange): void;
}

/** A session's connection to the other tabs, made by a `crossTab` plugin for one instance. */
export interface CrossTabConnection {
  /** Adopts the newest state the tabs share; requests wait for it at attach. */
  start(): Promise<void>;
  /**
   * Runs `mint` (the refresh) while holding a lock the tabs share, and tells the other tabs its
   * tokens before letting go; or, when another tab refreshed meanwhile, resolves with its tokens
   * without calling `mint`. `signal` aborts the wait for the lock.
   */
  refresh(mint: () => Promise<TokenSet>, signal: AbortSignal): Promise<TokenSet>;
  /** Tells the other tabs about a login or logout made here. */
  publish(change: SessionChange): void;
  /** Stops listening to the other tabs. */
  close(): void;
}

/** Makes a connection per attached instance; see `crossTab()` in `axios-refresh-interceptor/cross-tab`. */
export interface CrossTab {
  connect(link: SessionLink): CrossTabConnection;
}

/** Options of {@link attachRefreshInterceptor}. Every option but `refresh` has a default. */
export interface RefreshInterceptorOptions {
  /**
   * Gets a new token set. Called once however many requests need it. Reject with the refresh
   * endpoint's error: a 400 or 401 response, or an `invalid_grant` error body, ends the session
   * (see `isRefreshRejected`); anything else is a transient failure that keeps the tokens. When the
   * answer has no `refreshToken`, the current one is kept.
   */
  refresh: (context: RefreshContext) => Promise<TokenSet> | TokenSet;
  /**
   * Called once when a session ends: the refresh was rejected, or `logout()` was called. Requests
   * waiting on a rejected refresh settle after it returns (or its promise settles); if it throws,
   * they reject with its error.
   * @default undefined
   */
  onLogout?: ((event: LogoutEvent) => void | Promise<void>) | undefined;
  /**
   * Tokens to start with, as if passed to `setTokens`. When given, `storage` is not read at attach.
   * @default null
   */
  tokens?: TokenSet | null | undefined;
  /**
   * Where the tokens are kept beyond memory: read once at attach (requests wait for it), written on
   * every change, cleared on logout. Sync or async; see `webStorage()` in
   * `axios-refresh-interceptor/storage`, or bring your own (React Native's secure store).
   * @default undefined (memory only)
   */
  storage?: TokenStorage | undefined;
  /**
   * Refresh on a timer ahead of expiry while a session is active, not only when a request needs it.
   * The timer never keeps a Node process alive; `logout()` and `eject()` stop it; transient failures
   * are retried with backoff (2 s, 4 s, 8 s … up to 30 s); a rejection ends the session.
   * @default false
   */
  scheduleRefresh?: boolean | undefined;
  /**
   * When there are no tokens, a request that would carry them first calls `refresh` to get some:
   * for the client-credentials grant (`oauth2ClientCredentials`) or a session kept in a cookie.
   * @default false
   */
  refreshWithoutTokens?: boolean | undefined;
  /**
   * One session across the tabs of an origin: one refresh at a time for all of them, logins and
   * logouts spread to every tab. Made by `crossTab()` from `axios-refresh-interceptor/cross-tab`.
   * @default undefined (this tab only)
   */
  crossTab?: CrossTab | undefined;
  /**
   * The request header that carries the token.
   * @default 'Authorization'
   */
  header?: string | undefined;
  /**
   * The scheme written before the token; `''` sends the bare token.
   * @default 'Bearer'
   */
  scheme?: string | undefined;
  /**
   * Origins, besides the instance's own (the origin of its `baseURL`, or relative URLs), whose
   * requests carry the token, e.g. `['https://files.example.com']`. Compared exactly: scheme, host
   * and port.
   * @default []
   */
  allowedOrigins?: readonly string[] | undefined;
  /**
   * Milliseconds a refresh may take before its signal is aborted and it counts as a transient
   * failure (`REFRESH_TIMEOUT`). `Infinity` waits forever.
   * @default 10000
   */
  refreshTimeout?: number | undefined;
  /**
   * How long before the access token expires a request refreshes it first, in milliseconds;
   * capped at half the token's lifetime. Applies when the expiry is known (`expiresAt`, or a JWT
   * `exp` claim).
   * @default 30000
   */
  leeway?: number | undefined;
  /**
   * Whether a failed response means the token was not accepted and a refresh should be tried.
   * Only consulted for requests that carried the token. Called before any response interceptor
   * sees the failure, with the error as they would see it (its body run through `transformResponse`).
   * @default (error) => error.response?.status === 401
   */
  shouldRefresh?: ((error: AxiosError<unknown, unknown>) => boolean) | undefined;
  /**
   * Whether an error from `refresh` means the refresh token was refused, which ends the session.
   * Replaces the default: a 400 or 401 status (`error.response.status` or `error.status`), or
   * `error: 'invalid_grant'` in the response body.
   */
  isRefreshRejected?: ((error: unknown) => boolean) | undefined;
  /**
   * The clock, in milliseconds since the epoch.
   * @default Date.now
   */
  now?: (() => number) | undefined;
}

/** The options with every default applied. */
export interface ResolvedOptions {
  readonly refresh: RefreshInterceptorOptions['refresh'];
  readonly onLogout: RefreshInterceptorOptions['onLogout'];
  readonly storage: TokenStorage | undefined;
  readonly scheduleRefresh: boolean;
  readonly refreshWithoutTokens: boolean;
  readonly crossTab: CrossTab | undefined;
  readonly header: string;
  readonly scheme: string;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly refreshTimeout: number;
  readonly leeway: number;
  /** `undefined`: a 401 (checked without building the view a predicate is given). */
  readonly shouldRefresh: ((error: AxiosError<unknown, unknown>) => boolean) | undefined;
  readonly isRefreshRejected: (error: unknown) => boolean;
  readonly now: () => number;
}

/** The default of every option that has one. */
const defaults = {
  header: 'Authorization',
  scheme: 'Bearer',
  allowedOrigins: [] as readonly string[],
  scheduleRefresh: false,
  refreshWithoutTokens: false,
  refreshTimeout: 10_000,
  leeway: 30_000,
  isRefreshRejected: (error: unknown): boolean => {
    const { response, status } = (error ?? {}) as { response?: { status?: unknown; data?: { error?: unknown } }; status?: unknown };
    const code = response?.status ?? status;
    return code === 400 || code === 401 || (response?.data as { error?: unknown } | null | undefined)?.error === 'invalid_grant';
  },
  now: (): number => Date.now(),
};

/** Describes a received value for an error message. Only ever given option values, never tokens. */
function describe(value: unknown): string {
  return typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'function'
      ? 'a function'
      : Array.isArray(value)
        ? 'an array'
        : value && typeof value === 'object'
          ? 'an object'
          : String(value);
}

function fail(name: string, expected: string, value: unknown): never {
  throw new TypeError(`axios-refresh-interceptor: options${name} must be ${expected}; received ${describe(value)}`);
}

const isFunction = (value: unknown): boolean => typeof value === 'function';
const isAbsentOr = (test: (value: unknown) => boolean) => (value: unknown): boolean => value === undefined || test(value);
/** An HTTP token (RFC 9110): what a header name, or an auth scheme, is made of. */
const httpToken = /^[!#$%&'*+.^_`|~\w-]*$/;
const has = (...names: string[]) => (value: unknown): boolean =>
  names.every((name) => typeof (value as Record<string, unknown> | null)?.[name] === 'function');

/**
 * What each option must be, as told in the error, and the test of it (after defaults). `tokens` is
 * checked by the interceptor, with a message naming the field at fault.
 */
const rules: Partial<Record<keyof RefreshInterceptorOptions, readonly [string, (value: unknown) => boolean]>> = {
  refresh: ['a function', isFunction],
  onLogout: ['a function', isAbsentOr(isFunction)],
  storage: ['an object with get, set and remove functions', isAbsentOr(has('get', 'set', 'remove'))],
  scheduleRefresh: ['a boolean', (value) => typeof value === 'boolean'],
  refreshWithoutTokens: ['a boolean', (value) => typeof value === 'boolean'],
  crossTab: ['the result of crossTab()', isAbsentOr(has('connect'))],
  header: ['a header name', (value) => typeof value === 'string' && value !== '' && httpToken.test(value)],
  scheme: ["a scheme name without spaces, or ''", (value) => typeof value === 'string' && httpToken.test(value)],
  allowedOrigins: ['an array of origins', Array.isArray],
  refreshTimeout: ['a number of milliseconds >= 1', (value) => typeof value === 'number' && value >= 1],
  leeway: ['a number of milliseconds >= 0', (value) => typeof value === 'number' && value >= 0],
  shouldRefresh: ['a function', isAbsentOr(isFunction)],
  isRefreshRejected: ['a function', isFunction],
  now: ['a function', isFunction],
};

/** Validates options and fills in defaults; `undefined` never erases a default. */
export function resolveOptions(options: RefreshInterceptorOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('', 'an object', options);
  const resolved: Record<string, unknown> = { ...defaults };
  for (const [name, value] of Object.entries(options)) if (value !== undefined) resolved[name] = value;
  for (const [name, [expected, test]] of Object.entries(rules)) {
    if (!test(resolved[name])) fail(`.${name}`, expected, resolved[name]);
  }
  const allowedOrigins = new Set<string>();
  for (const [index, entry] of (resolved.allowedOrigins as unknown[]).entries()) {
    let origin: string | undefined;
    try {
      origin = new URL(entry as string).origin;
    } catch {
      // not a URL: refused below
    }
    if (typeof entry !== 'string' || origin === 'null' || origin !== entry.replace(/\/$/, '')) {
      fail(`.allowedOrigins[${index}]`, 'an origin such as "https://api.example.com"', entry);
    }
    allowedOrigins.add(origin);
  }
  return { ...resolved, allowedOrigins } as unknown as ResolvedOptions;
}
