import axios, { isCancel } from 'axios';
import type { AxiosRequestConfig, InternalAxiosRequestConfig } from 'axios';
import fc from 'fast-check';
import type { Scheduler } from 'fast-check';
import { attachRefreshInterceptor, isRefreshError } from '../../src/index.js';
import { BASE_URL, flush, tokenOf } from '../helpers.js';
import { createAuthServer, parseToken } from './auth-server.js';
import type { RefreshOutcome, TokenResponse } from './auth-server.js';
import { TOKEN_PATH, createScheduledTransport } from './scheduled-transport.js';
import type { Clock } from './scheduled-transport.js';

export const REFRESH_TIMEOUT = 1_000;

type RequestFlag = 'none' | 'skipAuth' | 'skipAuthRefresh';

/** One step of a scenario, run in order; everything they set off settles when the scheduler says. */
export type Command =
  | { readonly kind: 'request'; readonly flag: RequestFlag; readonly aborted: boolean }
  | { readonly kind: 'expire' | 'logout' | 'login' | 'force-refresh' | 'eject' };

const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

const requestArbitrary = fc.record(
  {
    kind: fc.constant('request' as const),
    flag: fc.oneof(
      weighted(6, fc.constant('none' as const)),
      fc.constant('skipAuth' as const),
      fc.constant('skipAuthRefresh' as const),
    ),
    aborted: fc.oneof(weighted(3, fc.constant(false)), fc.constant(true)),
  },
  { noNullPrototype: true },
);

/** Mostly requests and expiries (which make 401s), now and then a session change. */
export const commandsArbitrary: fc.Arbitrary<Command[]> = fc.array(
  fc.oneof(
    weighted(20, requestArbitrary),
    weighted(7, fc.constant({ kind: 'expire' } as const)),
    weighted(2, fc.constant({ kind: 'logout' } as const)),
    weighted(2, fc.constant({ kind: 'login' } as const)),
    weighted(3, fc.constant({ kind: 'force-refresh' } as const)),
    weighted(1, fc.constant({ kind: 'eject' } as const)),
  ),
  { minLength: 1, maxLength: 16, size: 'max' },
);

/** The token endpoint's outcomes, one per refresh request in order; `rotate` once they run out. */
export const outcomesArbitrary: fc.Arbitrary<RefreshOutcome[]> = fc.array(
  fc.oneof(
    weighted(4, fc.constant('rotate' as const)),
    fc.constantFrom<RefreshOutcome>('slow', 'reject', 'network-error', 'server-error', 'hang', 'malformed'),
  ),
  { maxLength: 5 },
);

/**
 * A scheduler whose every released event (an answer, an abort, a command) is a macrotask, as a
 * network answer or a timer is: the promise continuations it sets off all run before the next one.
 */
export const eventLoopScheduler = (): fc.Arbitrary<Scheduler> =>
  fc.scheduler({
    act: async (event) => {
      await event();
      await flush();
    },
  });

/** A request as it reached the transport, judged against what the client knew at that moment. */
export interface Send {
  readonly request: number;
  readonly attempt: number;
  readonly flag: RequestFlag;
  readonly token: string | undefined;
  /** A newer access token of the same session had already been received from a refresh. */
  readonly stale: boolean;
  /** Its session had ended: `logout()` or `setTokens()` had returned, its refresh was rejected, or `eject()` ran. */
  readonly ofEndedSession: boolean;
  /** The request's own signal had already been aborted. */
  readonly afterAbort: boolean;
  /** A replay carrying a token of another session than its original. */
  readonly otherSession: boolean;
}

/** How often a run reached the states that make the races worth testing. */
export interface Reached {
  /** A 401 for the current token arrived while a refresh was in flight (the request joins it). */
  joinedRefresh: number;
  /** A 401 arrived for a token already replaced by a completed refresh. */
  late401: number;
  /** A request's signal aborted while it waited on a refresh. */
  abortWhileQueued: number;
  logoutDuringRefresh: number;
  setTokensDuringRefresh: number;
  refreshTimedOut: number;
}

export interface Observations {
  readonly sends: readonly Send[];
  readonly refreshCalls: number;
  /** The most `refresh` calls under way at once (called, neither settled nor abandoned through their signal). */
  readonly maxRefreshesInFlight: number;
  /** Refresh calls that brought no new token set (failed, timed out, rejected, cancelled, malformed). */
  readonly refreshesWithoutTokens: number;
  readonly forcedRefreshes: number;
  /** Distinct access tokens the resource server refused. */
  readonly staleTokensSeen: number;
  readonly reuseDetected: number;
  /** Requests and handle calls not settled once the scheduler had nothing left to release. */
  readonly unsettled: readonly string[];
  /** Timers pending right after each `eject()` (mid-run, and at the end of the run). */
  readonly timersAfterEject: readonly number[];
  /** `onLogout` calls for each session that had any. */
  readonly onLogoutCalls: ReadonlyMap<number, number>;
  /** For each abort of a request waiting on a refresh: whether it settled, as a cancellation, before the next event. */
  readonly queuedAborts: readonly { readonly settledAtOnce: boolean; readonly cancelled: boolean }[];
  /** Requests rejected with `SESSION_ENDED` although no session ended after they were made. */
  readonly spuriousSessionEnded: readonly number[];
  readonly reached: Reached;
}

interface TrackedRequest {
  readonly id: number;
  readonly flag: RequestFlag;
  /** `sessionEnds` when the request was made. */
  readonly endsBefore: number;
  settled: boolean;
  cancelled: boolean;
  aborted: boolean;
  inAppInterceptor: boolean;
  atTransport: boolean;
  attempts: number;
  firstSession: number | undefined;
}

/**
 * Runs `commands` against a fresh instance wired to the fake servers, lets `scheduler` release
 * every event in the order it picks, and reports what happened.
 */
export async function runScenario(
  scheduler: Scheduler,
  commands: readonly Command[],
  outcomes: readonly RefreshOutcome[],
  clock: Clock,
): Promise<Observations> {
  const server = createAuthServer(outcomes);
  const initial = server.login();

  // What the client has been told: its session, the newest token of each session, ended sessions.
  let session = 1;
  const newest = new Map<number, number>([[1, 0]]);
  const ended = new Set<number>();
  let ejected = false;
  let sessionEnds = 0;

  const refreshes: { settled: boolean; brought: boolean; readonly signal: AbortSignal }[] = [];
  const inFlight = (): number => refreshes.filter((call) => !call.settled && !call.signal.aborted).length;
  let maxRefreshesInFlight = 0;
  let forcedRefreshes = 0;

  const requests = new Map<string, TrackedRequest>();
  const requestOf = (config: InternalAxiosRequestConfig): TrackedRequest | undefined =>
    requests.get(String(config.headers.get('x-request-id')));
  const operations: { readonly label: string; settled: boolean }[] = [];
  const sends: Send[] = [];
  const timersAfterEject: number[] = [];
  const onLogoutCalls = new Map<number, number>();
  const queuedAborts: { settledAtOnce: boolean; cancelled: boolean }[] = [];
  const spuriousSessionEnded: number[] = [];
  const reached: Reached = {
    joinedRefresh: 0,
    late401: 0,
    abortWhileQueued: 0,
    logoutDuringRefresh: 0,
    setTokensDuringRefresh: 0,
    refreshTimedOut: 0,
  };
  const newestOf = (token: string | undefined) => {
    const name = token === undefined ? undefined : parseToken(token);
    return name && { ...name, newest: newest.get(name.session) ?? 0 };
  };

  const transport = createScheduledTransport(scheduler, server, clock, {
    sent(config) {
      const request = requestOf(config);
      if (!request) return;
      const token = tokenOf(config);
      const name = newestOf(token);
      request.attempts += 1;
      request.atTransport = true;
      if (request.attempts === 1) request.firstSession = name?.session;
      sends.push({
        request: request.id,
        attempt: request.attempts,
        flag: request.flag,
        token,
        stale: name !== undefined && name.generation < name.newest,
        ofEndedSession: token !== undefined && (ejected || (name !== undefined && ended.has(name.session))),
        afterAbort: request.aborted,
        otherSession: request.attempts > 1 && name !== undefined && name.session !== request.firstSession,
      });
    },
    answered(config, answer) {
      const request = requestOf(config);
      const token = tokenOf(config);
      const name = newestOf(token);
      if (!request || answer.status !== 401 || !name) return;
      if (inFlight() > 0 && request.flag === 'none' && token === auth.getTokens()?.accessToken) reached.joinedRefresh += 1;
      if (!ended.has(name.session) && name.generation < name.newest) reached.late401 += 1;
    },
    left(config) {
      const request = requestOf(config);
      if (request) request.atTransport = false;
    },
  });

  const api = axios.create({ baseURL: BASE_URL, adapter: transport });
  // An app interceptor registered before the library's runs after it: it takes a scheduled while
  // (reading an async store, say) between the library's interceptor and the adapter.
  api.interceptors.request.use(async (config) => {
    const request = requestOf(config);
    if (request) request.inAppInterceptor = true;
    await scheduler.schedule(Promise.resolve(), `app interceptor ${request ? `#${request.id}` : 'refresh call'}`);
    if (request) request.inAppInterceptor = false;
    return config;
  });

  const auth = attachRefreshInterceptor(api, {
    tokens: initial,
    refreshTimeout: REFRESH_TIMEOUT,
    refresh: async ({ refreshToken, signal }) => {
      const call = { settled: false, brought: false, signal };
      maxRefreshesInFlight = Math.max(maxRefreshesInFlight, inFlight() + 1);
      refreshes.push(call);
      try {
        const { data } = await api.post<TokenResponse>(
          TOKEN_PATH,
          { grant_type: 'refresh_token', refresh_token: refreshToken },
          { signal },
        );
        call.brought = typeof data.access_token === 'string';
        return { accessToken: data.access_token, refreshToken: data.refresh_token };
      } finally {
        call.settled = true;
      }
    },
    onLogout: () => {
      onLogoutCalls.set(session, (onLogoutCalls.get(session) ?? 0) + 1);
    },
  });
  auth.subscribe((event) => {
    if (event.type === 'refreshed') {
      const name = parseToken(event.tokens.accessToken);
      if (name) newest.set(name.session, Math.max(newest.get(name.session) ?? 0, name.generation));
    } else if (event.type === 'logout' && event.reason === 'refresh-rejected') {
      sessionEnds += 1;
      ended.add(session);
    } else if (event.type === 'refresh-failed' && event.error.code === 'REFRESH_TIMEOUT') {
      reached.refreshTimedOut += 1;
    }
  });

  const track = (label: string, promise: Promise<unknown>): void => {
    const operation = { label, settled: false };
    operations.push(operation);
    const settle = (): void => {
      operation.settled = true;
    };
    promise.then(settle, settle);
  };

  const waitsOnRefresh = (request: TrackedRequest): boolean =>
    !request.settled && !request.inAppInterceptor && !request.atTransport && inFlight() > 0;

  const issue = (flag: RequestFlag, aborted: boolean): void => {
    const id = requests.size + 1;
    const request: TrackedRequest = {
      id,
      flag,
      endsBefore: sessionEnds,
      settled: false,
      cancelled: false,
      aborted: false,
      inAppInterceptor: false,
      atTransport: false,
      attempts: 0,
      firstSession: undefined,
    };
    requests.set(String(id), request);
    const config: AxiosRequestConfig = { headers: { 'x-request-id': String(id) } };
    if (flag === 'skipAuth') config.skipAuth = true;
    if (flag === 'skipAuthRefresh') config.skipAuthRefresh = true;
    if (aborted) {
      const controller = new AbortController();
      config.signal = controller.signal;
      void scheduler.schedule(Promise.resolve(), `abort #${id}`).then(() => {
        const queued = waitsOnRefresh(request);
        request.aborted = true;
        controller.abort();
        if (!queued) return;
        reached.abortWhileQueued += 1;
        setImmediate(() => queuedAborts.push({ settledAtOnce: request.settled, cancelled: request.cancelled }));
      });
    }
    api.get('/resource', config).then(
      () => {
        request.settled = true;
      },
      (error: unknown) => {
        request.settled = true;
        request.cancelled = isCancel(error);
        if (isRefreshError(error) && error.code === 'SESSION_ENDED' && sessionEnds === request.endsBefore) {
          spuriousSessionEnded.push(id);
        }
      },
    );
  };

  const run = async (command: Command): Promise<void> => {
    switch (command.kind) {
      case 'request':
        issue(command.flag, command.aborted);
        return;
      case 'expire':
        server.expireAccessTokens();
        return;
      case 'logout': {
        if (inFlight() > 0) reached.logoutDuringRefresh += 1;
        sessionEnds += 1;
        const ending = session;
        track('logout()', auth.logout().then(() => ended.add(ending)));
        return;
      }
      case 'login': {
        if (inFlight() > 0) reached.setTokensDuringRefresh += 1;
        sessionEnds += 1;
        const ending = session;
        const tokens = server.login();
        session = parseToken(tokens.accessToken)?.session ?? Number.NaN;
        newest.set(session, 0);
        track('setTokens()', auth.setTokens(tokens).then(() => ended.add(ending)));
        return;
      }
      case 'force-refresh':
        forcedRefreshes += 1;
        track('refresh({ force: true })', auth.refresh({ force: true }));
        return;
      case 'eject':
        sessionEnds += 1;
        ejected = true;
        auth.eject();
        await flush();
        timersAfterEject.push(clock.pending());
        return;
    }
  };

  const sequence = scheduler.scheduleSequence(
    commands.map((command) => ({
      label: command.kind === 'request' ? `request ${command.flag}${command.aborted ? ' (aborted later)' : ''}` : command.kind,
      builder: () => run(command),
    })),
  );
  await scheduler.waitIdle();

  const unsettled = [
    ...(sequence.done ? [] : ['the command sequence']),
    ...[...requests.values()].filter((request) => !request.settled).map((request) => `request #${request.id}`),
    ...operations.filter((operation) => !operation.settled).map((operation) => operation.label),
  ];
  auth.eject();
  await flush();
  timersAfterEject.push(clock.pending());

  return {
    sends,
    refreshCalls: refreshes.length,
    maxRefreshesInFlight,
    refreshesWithoutTokens: refreshes.filter((call) => !call.brought).length,
    forcedRefreshes,
    staleTokensSeen: server.refusedTokens.size,
    reuseDetected: server.reuseDetected,
    unsettled,
    timersAfterEject,
    onLogoutCalls,
    queuedAborts,
    spuriousSessionEnded,
    reached,
  };
}
