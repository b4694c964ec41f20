import axios, { AxiosHeaders, CanceledError, getAdapter, isAxiosError } from 'axios';
import type { AxiosAdapter, AxiosError, AxiosInstance, AxiosRequestConfig, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { RefreshError, isRefreshError, redact, reportAside as report } from './errors.js';
import { createOriginPolicy } from './origin.js';
import { resolveOptions } from './options.js';
import type { LogoutReason, RefreshInterceptorOptions, SessionChange, SessionEvent } from './options.js';
import { abortable, createSingleFlight } from './single-flight.js';
import { claimsOf, receive, tokenSetProblem } from './token.js';
import type { ReceivedTokens, TokenSet } from './token.js';

/** What {@link attachRefreshInterceptor} returns: the session of one axios instance. */
export interface RefreshInterceptorHandle {
  /**
   * Starts a new session with `tokens` (after a login). Requests still waiting on a refresh of the
   * previous session reject with `SESSION_ENDED`; none is sent with the new tokens.
   */
  setTokens(tokens: TokenSet): Promise<void>;
  /**
   * The current tokens, or `null` when there is no session. The same object until they change.
   * `expiresAt` is filled in when the expiry is known.
   */
  getTokens(): TokenSet | null;
  /**
   * The access token's JWT payload, decoded and NOT verified (only the server can trust it), or
   * `null` when there is no session or the token is not a JWT.
   */
  getClaims<Claims extends object = Record<string, unknown>>(): Claims | null;
  /**
   * Resolves once tokens kept in `storage` have been loaded (at once without `storage`); rejects
   * with the storage's error if reading failed. Requests wait for the load by themselves.
   */
  ready(): Promise<void>;
  /**
   * Refreshes now, sharing the refresh under way if there is one, and resolves with the new tokens.
   * Without `force`, tokens known to be fresh (expiry known, outside the leeway) are returned as
   * they are. With no session, `refresh` runs with no refresh token (restoring a cookie session).
   */
  refresh(options?: { force?: boolean }): Promise<TokenSet>;
  /**
   * Ends the session: tokens are cleared, a refresh under way is aborted and its result discarded,
   * requests waiting on it reject with `SESSION_ENDED`, and `onLogout` is called. Rejects with
   * `onLogout`'s error if it throws. Nothing happens when there is no session.
   */
  logout(): Promise<void>;
  /** Calls `listener` on every session change; returns the function that stops it. */
  subscribe(listener: (event: SessionEvent) => void): () => void;
  /**
   * Removes everything this call installed: the interceptor stops, a refresh under way is
   * cancelled, and requests already past it are sent without a token and not replayed.
   */
  eject(): void;
}

type Adapter = AxiosRequestConfig['adapter'];

/** A body read as it is sent (a Node or web stream): it cannot be sent a second time. */
const isStream = (data: unknown): boolean =>
  typeof (data as { pipe?: unknown } | null)?.pipe === 'function' ||
  (typeof ReadableStream !== 'undefined' && data instanceof ReadableStream);

/**
 * `error` as response interceptors would see it (its response's data run through
 * `transformResponse`, as axios's dispatch does), for a `shouldRefresh` that reads the body. A view:
 * the error itself is left as the adapter made it.
 */
const asDispatched = (error: AxiosError<unknown, unknown>, config: InternalAxiosRequestConfig): AxiosError<unknown, unknown> => {
  const response = error.response as NonNullable<typeof error.response>;
  let { data } = response;
  try {
    for (const transform of [config.transformResponse ?? []].flat()) {
      data = transform.call(config, data, AxiosHeaders.from(response.headers as AxiosHeaders).normalize(false), response.status);
    }
  } catch {
    data = response.data; // as received, when it does not parse
  }
  return Object.assign(Object.create(error) as AxiosError<unknown, unknown>, { response: { ...response, data } });
};

const own = (config: object, flag: 'skipAuth' | 'skipAuthRefresh'): boolean =>
  Object.prototype.hasOwnProperty.call(config, flag) && (config as Record<string, unknown>)[flag] === true;

/**
 * Gives `instance` bearer-token auth with silent refresh: requests to its own origin carry the
 * access token; when it goes stale (a 401, or a known expiry within `leeway`), one refresh runs,
 * the affected requests wait for it and are replayed once with the new token; a rejected refresh
 * ends the session and calls `onLogout`.
 *
 * @example
 * ```ts
 * const api = axios.create({ baseURL: 'https://api.example.com' });
 * const auth = attachRefreshInterceptor(api, {
 *   refresh: async ({ refreshToken, signal }) => {
 *     const { data } = await axios.post('https://api.example.com/auth/refresh',
 *       { refresh_token: refreshToken }, { signal });
 *     return { accessToken: data.access_token, refreshToken: data.refresh_token };
 *   },
 *   onLogout: () => router.navigate('/login'),
 * });
 * await auth.setTokens({ accessToken, refreshToken });
 * ```
 */
export function attachRefreshInterceptor(
  instance: AxiosInstance,
  options: RefreshInterceptorOptions,
): RefreshInterceptorHandle {
  if (typeof instance?.interceptors?.request?.use !== 'function') {
    throw new TypeError(
      'axios-refresh-interceptor: instance must be an axios instance (from axios.create()); received ' +
        (instance === null ? 'null' : typeof instance),
    );
  }
  const settings = resolveOptions(options);
  const initialProblem = options.tokens ? tokenSetProblem(options.tokens) : undefined;
  if (initialProblem) throw new TypeError(`axios-refresh-interceptor: options.tokens ${initialProblem}`);
  const { header, now } = settings;
  const prefix = settings.scheme ? `${settings.scheme} ` : '';
  const mayCarryToken = createOriginPolicy(settings.allowedOrigins);
  const flight = createSingleFlight<TokenSet>();
  const listeners = new Set<(event: SessionEvent) => void>();
  const { storage } = settings;

  // Session state. `version` counts every change of tokens; `sessionVersion` is the version the
  // current session began at, so a token sent at version v belongs to it iff v >= sessionVersion.
  let tokens: TokenSet | null = null;
  let headerValue = '';
  let dueAt: number | undefined;
  let version = 0;
  let sessionVersion = 0;
  let ejected = false;
  /** Tokens being read from `storage` at attach time; requests wait for it. */
  let loading: Promise<void> | undefined;
  let loaded: Promise<void> = Promise.resolve();
  /** Storage writes, one after the other, so they land in the order the tokens changed. */
  let writes: Promise<unknown> = Promise.resolve();
  let scheduled: unknown;
  let claims: { of: TokenSet | null; value: Record<string, unknown> | null } = { of: null, value: null };
  let retries = 0;
  /**
   * The header values written lately (newest last), so that one left on a reused config is removed
   * wherever no token may go. Bounded: a value older than this is long expired.
   */
  const written = new Set<string>();

  const emit = (event: SessionEvent): void => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        report(error);
      }
    }
  };

  /** Replaces the tokens in memory (`minted`: just issued by a refresh; `received`: taken in already). */
  const store = (
    next: TokenSet | null,
    minted: boolean,
    received: ReceivedTokens | undefined = next ? receive(next, now(), minted, settings.leeway) : undefined,
  ): void => {
    tokens = received ? received.tokens : null;
    dueAt = received?.dueAt;
    version += 1;
    headerValue = tokens ? prefix + tokens.accessToken : '';
    if (tokens) {
      written.add(headerValue);
      if (written.size > 32) written.delete(written.values().next().value as string);
    }
    schedule();
  };

  /** Whether a request should refresh the tokens before it is sent (their expiry is that close). */
  const isDue = (): boolean => dueAt !== undefined && now() >= dueAt;

  /** Writes the current tokens to `storage`; resolves once they are there. */
  const persist = (): Promise<unknown> => {
    if (!storage) return writes;
    const snapshot = tokens;
    const write = (): unknown => (snapshot ? storage.set(snapshot) : storage.remove());
    writes = writes.then(write, write);
    return writes;
  };

  const endSession = async (reason: LogoutReason, error?: RefreshError): Promise<void> => {
    if (!tokens) return;
    store(null, false);
    sessionVersion = version;
    if (reason !== 'other-tab') link?.publish({ kind: 'logout' });
    emit(error ? { type: 'logout', reason, error } : { type: 'logout', reason });
    const event = error ? { reason, error } : { reason };
    const outcomes = await Promise.allSettled([persist(), (async () => settings.onLogout?.(event))()]);
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  };

  /**
   * The scheduled refresh (`scheduleRefresh`): a timer that never keeps a process alive, set for
   * when the tokens are due, or after `delay` to retry a transient failure.
   */
  const schedule = (delay?: number): void => {
    clearTimeout(scheduled as Parameters<typeof clearTimeout>[0]);
    scheduled = undefined;
    if (delay === undefined) retries = 0; // a new token: a new backoff
    if (!settings.scheduleRefresh || ejected || !tokens || dueAt === undefined) return;
    const wait = Math.min(delay ?? Math.max(0, dueAt - now()), 2 ** 31 - 1);
    scheduled = setTimeout(onSchedule, wait);
    (scheduled as { unref?: () => void }).unref?.();
  };

  const onSchedule = (): void => {
    scheduled = undefined;
    // Woken early (a wait longer than a timer can hold): wait some more.
    if (!isDue()) return schedule();
    startRefresh().then(
      () => {
        retries = 0;
      },
      (error: unknown) => {
        if (!isRefreshError(error)) report(error); // from a callback; no request is there to tell
        else if (error.code !== 'REFRESH_REJECTED' && error.code !== 'SESSION_ENDED') {
          retries += 1;
          schedule(Math.min(30_000, 1_000 * 2 ** retries));
        }
      },
    );
  };

  const runRefresh = async (controller: AbortController): Promise<TokenSet> => {
    const { signal } = controller;
    const before = tokens;
    const timeout = new RefreshError('REFRESH_TIMEOUT');
    let timedOut = false;
    const timer =
      settings.refreshTimeout === Infinity
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort(timeout);
          }, settings.refreshTimeout);
    emit({ type: 'refreshing' });
    /** The user's refresh, its answer checked and its expiry resolved. */
    let minted: ReceivedTokens | undefined;
    const mint = async (): Promise<TokenSet> => {
      const answer: unknown = await settings.refresh({ refreshToken: before?.refreshToken ?? undefined, tokens: before, signal });
      if (tokenSetProblem(answer) !== undefined) throw new RefreshError('INVALID_REFRESH_RESPONSE');
      const received = answer as TokenSet;
      minted = receive({ ...received, refreshToken: received.refreshToken ?? before?.refreshToken }, now(), true, settings.leeway);
      return minted.tokens;
    };
    let next: TokenSet;
    try {
      // Never called once the flight was cancelled (a logout before it got going). Across tabs, the
      // link may answer with tokens another tab minted meanwhile instead.
      const call = Promise.resolve().then(() => (signal.aborted ? undefined : link ? link.refresh(mint, signal) : mint()));
      next = (await abortable(call, signal, () => (timedOut ? timeout : new RefreshError('SESSION_ENDED')))) as TokenSet;
    } catch (cause) {
      if (signal.aborted && !timedOut) throw cause; // cancelled: the flight has settled already
      const rejected = (isRefreshError(cause) && cause.code === 'REFRESH_REJECTED') || (!isRefreshError(cause) && settings.isRefreshRejected(cause));
      const error =
        isRefreshError(cause) && !rejected
          ? cause // a timeout, an invalid answer: ours already
          : new RefreshError(rejected ? 'REFRESH_REJECTED' : 'REFRESH_FAILED', {
              cause: redact(cause, [before?.accessToken, before?.refreshToken]),
            });
      if (error.code === 'REFRESH_REJECTED') {
        await endSession('refresh-rejected', error);
      } else {
        emit({ type: 'refresh-failed', error });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
    // Ended meanwhile (logout, a new login: both cancel the flight).
    if (signal.aborted || (before && !tokens)) throw new RefreshError('SESSION_ENDED');
    // Taken in already: another tab's refresh, heard while this one waited for the lock (crossTab).
    if (tokens !== before && tokens?.accessToken === next.accessToken) return tokens;
    // Tokens another tab minted (crossTab) are taken in like stored ones.
    store(next, false, minted?.tokens === next ? minted : undefined);
    const stored = tokens as TokenSet;
    emit({ type: 'refreshed', tokens: stored });
    await persist();
    return stored;
  };

  const startRefresh = (): Promise<TokenSet> => flight.run(runRefresh);

  const cancelError = (config: InternalAxiosRequestConfig) => (): CanceledError<unknown> =>
    new CanceledError(undefined, config);

  /** Resolves the adapter axios would have used, as axios's own dispatch does. */
  const send = (original: Adapter, config: InternalAxiosRequestConfig): Promise<AxiosResponse> =>
    getAdapter(original ?? instance.defaults.adapter ?? axios.defaults.adapter)(config);

  /**
   * Node's redirects (axios's `beforeRedirect`): the token header goes on only to an origin that may
   * carry it, whatever the header's name.
   */
  const guardRedirect = (options: Record<string, unknown>, response: unknown, request?: { url?: string }): void => {
    const headers = options.headers as Record<string, unknown> | undefined;
    const originOf = (url: unknown): string | undefined => {
      try {
        return new URL(String(url)).origin;
      } catch {
        return undefined;
      }
    };
    const target = originOf(options.href);
    if (target && (target === originOf(request?.url) || mayCarryToken(instance.defaults.baseURL, { url: target }))) return;
    for (const name of Object.keys(headers ?? {})) {
      if (name.toLowerCase() === header.toLowerCase()) delete headers?.[name];
    }
  };
  const redirectGuards = new WeakMap<object, typeof guardRedirect>();

  const stamp = (config: InternalAxiosRequestConfig): void => {
    config.headers.set(header, headerValue);
    const theirs = config.beforeRedirect as typeof guardRedirect | undefined;
    if (theirs === undefined) config.beforeRedirect = guardRedirect;
    else if (theirs !== guardRedirect && !redirectGuards.has(theirs)) {
      const chained: typeof guardRedirect = (options, response, request) => {
        guardRedirect(options, response, request);
        theirs(options, response, request);
      };
      redirectGuards.set(chained, guardRedirect);
      config.beforeRedirect = chained;
    }
  };

  /** Sends `config` without a token: a header this library wrote (on a reused config) is removed. */
  const sendBare = (original: Adapter, config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    const value = config.headers.get(header);
    if (typeof value === 'string' && written.has(value)) config.headers.delete(header);
    return send(original, config);
  };

  /**
   * Sends `config` with the current token. Unless it is a `replay`, a failure that means the token
   * was refused (`shouldRefresh`) is handled right here, before any response interceptor sees it:
   * after one refresh (none when a newer token came meanwhile) the request is sent once more, as it
   * was, with the new token. Interceptors run once per request and see only its final outcome.
   */
  const sendWithToken = (config: InternalAxiosRequestConfig, original: Adapter, replay: boolean): Promise<AxiosResponse> => {
    stamp(config);
    const sent = version;
    const response = send(original, config);
    return replay ? response : response.catch((error: unknown) => replayAfter(error, config, original, sent));
  };

  const replayAfter = async (
    error: unknown,
    config: InternalAxiosRequestConfig,
    original: Adapter,
    sent: number,
  ): Promise<AxiosResponse> => {
    if (
      !isAxiosError(error) ||
      !error.response ||
      own(config, 'skipAuthRefresh') ||
      sent < sessionVersion ||
      ejected ||
      !(settings.shouldRefresh ? settings.shouldRefresh(asDispatched(error, config)) : error.response.status === 401)
    ) {
      throw error;
    }
    const session = sessionVersion;
    // Sent with the current token: it needs a refresh. Sent with an older one: replay as it is.
    if (sent === version) await abortable(startRefresh(), config.signal, cancelError(config));
    if (isStream(config.data)) {
      const sentTokens = [...written].map((value) => value.slice(prefix.length));
      throw new RefreshError('BODY_NOT_REPLAYABLE', { cause: redact(error, sentTokens) });
    }
    return sendFresh(config, original, session);
  };

  /**
   * Waits out any refresh (starting one when the token is due), then sends with the current token,
   * unless the session the request belongs to (its original's, for a replay) ended meanwhile.
   */
  const sendFresh = async (
    config: InternalAxiosRequestConfig,
    original: Adapter,
    replayOf?: number,
  ): Promise<AxiosResponse> => {
    if (loading) await abortable(loading, config.signal, cancelError(config));
    const session = replayOf ?? sessionVersion;
    if ((tokens ? isDue() : settings.refreshWithoutTokens) && !flight.current()) void startRefresh();
    for (let waiting = flight.current(); waiting; waiting = flight.current()) {
      await abortable(waiting.promise, config.signal, cancelError(config));
    }
    if (session !== sessionVersion) throw new RefreshError('SESSION_ENDED');
    if (!tokens || ejected) return sendBare(original, config);
    return sendWithToken(config, original, replayOf !== undefined);
  };

  const adapters = new WeakMap<object, AxiosAdapter>();
  const ours = new WeakSet<AxiosAdapter>();

  /**
   * The adapter that stamps the token at the last moment, after every interceptor: the origin is
   * checked on the final URL and a token that went stale meanwhile is never sent.
   */
  const adapterFor = (original: Adapter): AxiosAdapter => {
    const cacheable = typeof original === 'function' || typeof original === 'object';
    const cached = cacheable ? adapters.get(original as object) : undefined;
    if (cached) return cached;
    const adapter: AxiosAdapter = (config) => {
      const refreshing = flight.current();
      if (
        ejected ||
        (!tokens && !loading && !settings.refreshWithoutTokens) ||
        own(config, 'skipAuth') ||
        (refreshing && config.signal === refreshing.signal) ||
        !mayCarryToken(instance.defaults.baseURL, config)
      ) {
        return sendBare(original, config);
      }
      if (!tokens || refreshing || isDue()) return sendFresh(config, original);
      return sendWithToken(config, original, false);
    };
    ours.add(adapter);
    if (cacheable) adapters.set(original as object, adapter);
    return adapter;
  };

  const requestInterceptor = instance.interceptors.request.use((config) => {
    if (!own(config, 'skipAuth') && !ours.has(config.adapter as AxiosAdapter)) {
      config.adapter = adapterFor(config.adapter);
    }
    return config;
  });

  const handle: RefreshInterceptorHandle = {
    async setTokens(next) {
      const problem = tokenSetProblem(next);
      if (problem) throw new TypeError(`axios-refresh-interceptor: setTokens: tokens ${problem}`);
      store(next, false);
      sessionVersion = version;
      flight.cancel(new RefreshError('SESSION_ENDED'));
      link?.publish({ kind: 'login', tokens: tokens as TokenSet });
      emit({ type: 'set', tokens: tokens as TokenSet });
      await persist();
    },
    getTokens: () => tokens,
    getClaims: <Claims extends object>() => {
      // Decoded once per token set: the same object until the tokens change.
      if (claims.of !== tokens) claims = { of: tokens, value: (tokens && claimsOf(tokens.accessToken)) ?? null };
      return claims.value as Claims | null;
    },
    ready: () => loaded,
    async refresh({ force = false } = {}) {
      if (loading) await loading;
      if (!force && !flight.current() && tokens && dueAt !== undefined && !isDue()) return tokens;
      return startRefresh();
    },
    async logout() {
      flight.cancel(new RefreshError('SESSION_ENDED'));
      if (loading && !tokens) {
        // The session being loaded is logged out of: neither used now nor restored next time.
        sessionVersion = version += 1;
        await persist();
      }
      await endSession('logout');
    },
    subscribe(listener) {
      if (typeof listener !== 'function') {
        throw new TypeError(`axios-refresh-interceptor: subscribe: listener must be a function; received ${typeof listener}`);
      }
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    eject() {
      flight.cancel(new RefreshError('SESSION_ENDED'));
      if (ejected) return;
      ejected = true;
      schedule();
      link?.close();
      instance.interceptors.request.eject(requestInterceptor);
    },
  };

  /** Changes made in other tabs (`crossTab`), applied here as if made here, without telling back. */
  const adopt = (change: SessionChange): void => {
    if (ejected) return;
    if (change.kind === 'logout') {
      flight.cancel(new RefreshError('SESSION_ENDED'));
      endSession('other-tab').catch(report); // nobody here awaits it
      return;
    }
    if (change.kind === 'refresh' && !tokens) return; // logged out here meanwhile: only a login revives
    if (tokens?.accessToken === change.tokens.accessToken) return;
    store(change.tokens, false);
    if (change.kind === 'login') {
      sessionVersion = version;
      flight.cancel(new RefreshError('SESSION_ENDED'));
      emit({ type: 'set', tokens: tokens as TokenSet });
    } else {
      emit({ type: 'refreshed', tokens: tokens as TokenSet });
    }
    persist().catch(report);
  };
  const link = settings.crossTab?.connect({ adopt });

  if (options.tokens) {
    store(options.tokens, false);
    sessionVersion = version;
  }
  if (storage || link) {
    const session = sessionVersion;
    loaded = Promise.resolve()
      .then(() => (options.tokens ? undefined : storage?.get()))
      .then((stored) => {
        // A login or logout meanwhile decides; stored data that is not a token set is no session.
        if (session !== sessionVersion || stored == null || tokenSetProblem(stored)) return;
        store(stored, false);
        sessionVersion = version;
        emit({ type: 'set', tokens: tokens as TokenSet });
      })
      .then(() => link?.start())
      .finally(() => {
        loading = undefined;
      });
    loading = loaded;
    loaded.catch(() => undefined); // told to whoever waits: requests, ready()
  }
  return handle;
}
