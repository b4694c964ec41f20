import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { attachRefreshInterceptor, isRefreshError } from '../../src/index.js';
import type { LogoutReason, RefreshErrorCode, RefreshInterceptorHandle } from '../../src/index.js';
import { startDemoServer } from './server.js';
import type { DemoServer, DemoServerOptions, ServerEvent } from './server.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /**
   * Where the demo's lines go.
   * @default console.log
   */
  log?: ((line: string) => void) | undefined;
  /**
   * Seconds access tokens live in acts 1 and 3 (refresh on 401, rejected refresh).
   * @default 3
   */
  accessTokenLifetime?: number | undefined;
  /**
   * Seconds access tokens live in act 2 (refresh before sending).
   * @default 4
   */
  proactiveTokenLifetime?: number | undefined;
}

/** How one request ended, as its caller saw it. */
export interface RequestOutcome {
  readonly request: string;
  readonly ok: boolean;
  /** The HTTP status the caller received, if it received a response. */
  readonly status?: number | undefined;
  /** The `RefreshError` code, when the request rejected with one. */
  readonly code?: RefreshErrorCode | undefined;
}

/** One expectation the demo checks about its own run. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** What {@link runDemo} observed. Tokens appear only by label (`T1`, `RT1`). */
export interface DemoResult {
  /** Every check held. */
  ok: boolean;
  checks: Check[];
  /** Lines that would have shown a token (they were withheld). */
  tokensWithheld: number;
  act1: {
    requests: RequestOutcome[];
    refreshCalls: number;
    reuseDetected: number;
    /** Requests the API refused with 401. */
    unauthorized: number;
    /** Requests the API saw a second time. */
    replays: number;
    /** The most times the API saw one request. */
    maxAttempts: number;
  };
  act2: {
    requests: RequestOutcome[];
    refreshCalls: number;
    unauthorized: number;
    /** Labels of the tokens the second burst carried. */
    secondBurstTokens: (string | null)[];
  };
  act3: {
    /** Requests that were waiting on the rejected refresh. */
    waiting: RequestOutcome[];
    refreshCalls: number;
    refreshStatuses: number[];
    logouts: { reason: LogoutReason; code: RefreshErrorCode | undefined }[];
    /** The request made after the logout. */
    afterLogout: RequestOutcome | undefined;
    /** The token the API saw on it: a label, or `null` for none. */
    afterLogoutToken: string | null | undefined;
    tokensAfterLogout: boolean;
  };
}

interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

interface Item {
  id: number;
  name: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Rejects when `promise` has not settled within `ms`, so a fault shows as a failed check, not a hang. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Prints lines with the milliseconds elapsed since the act began; never lets a token through. */
function createTimeline(write: (line: string) => void, secrets: Set<string>, onWithheld: () => void) {
  let start = performance.now();
  const print = (line: string): void => {
    for (const secret of secrets) {
      if (line.includes(secret)) {
        onWithheld();
        write('  [a line was withheld: it contained a token]');
        return;
      }
    }
    write(line);
  };
  return {
    print,
    restart(): void {
      start = performance.now();
    },
    note(who: 'client' | 'server' | 'demo', text: string): void {
      const ms = Math.round(performance.now() - start);
      print(`${String(ms).padStart(6)} ms  ${who.padEnd(6)}  ${text}`);
    },
  };
}

type Timeline = ReturnType<typeof createTimeline>;

function describeServerEvent(event: ServerEvent): string {
  switch (event.type) {
    case 'login':
      return `POST /auth/login (${event.user}) -> 200: ${event.accessToken} + ${event.refreshToken}, session ${event.session}`;
    case 'api': {
      const carried = event.token === null ? 'no token' : event.token;
      const answer = event.status === 200 ? '200' : `401 (${event.refusal ?? 'refused'})`;
      return `${event.request.padEnd(3)} ${event.method} ${event.path.padEnd(14)} with ${carried.padEnd(8)} -> ${answer}${event.attempt > 1 ? '  [replay]' : ''}`;
    }
    case 'refresh': {
      const presented = event.presented ?? 'no token';
      if (event.outcome === 'rotated') {
        return `POST /auth/refresh with ${presented} -> 200: ${event.accessToken ?? '?'} + ${event.refreshToken ?? '?'} (${presented} is now spent)`;
      }
      const why = {
        reuse: `${presented} was already spent: reuse, the session is revoked`,
        revoked: 'the session was revoked',
        unknown: 'unknown refresh token',
      }[event.outcome];
      return `POST /auth/refresh with ${presented} -> ${event.status} invalid_grant (${why})`;
    }
    case 'revoke':
      return `POST /admin/revoke -> 200: ${event.sessions} session(s) revoked`;
  }
}

/** One act's server, client instance and session, wired to the timeline. */
async function openAct(
  timeline: Timeline,
  secrets: Set<string>,
  serverOptions: DemoServerOptions,
  onLogout?: (reason: LogoutReason, code: RefreshErrorCode | undefined) => void,
): Promise<{ server: DemoServer; api: AxiosInstance; auth: RefreshInterceptorHandle; events: ServerEvent[] }> {
  const events: ServerEvent[] = [];
  const server = await startDemoServer({
    ...serverOptions,
    onEvent: (event) => {
      events.push(event);
      timeline.note('server', describeServerEvent(event));
    },
  });
  try {
    const { url } = server;
    const api = axios.create({ baseURL: url, adapter: 'http', timeout: 5000 });
    const auth = attachRefreshInterceptor(api, {
      refresh: async ({ refreshToken, signal }) => {
        const { data } = await axios.post<TokenAnswer>(
          `${url}/auth/refresh`,
          { refresh_token: refreshToken },
          { signal, adapter: 'http', timeout: 5000 },
        );
        secrets.add(data.access_token).add(data.refresh_token);
        // No `expiresAt`: what the client knows of expiry is what the access token itself says.
        return { accessToken: data.access_token, refreshToken: data.refresh_token };
      },
      onLogout: ({ reason, error }) => {
        timeline.note('client', `onLogout called: reason '${reason}', error ${error ? `RefreshError ${error.code}` : 'none'}`);
        onLogout?.(reason, error?.code);
      },
    });
    auth.subscribe((event) => {
      if (event.type === 'refreshing') timeline.note('client', 'refresh starts (one call; requests that need a token wait for it)');
      if (event.type === 'refreshed') timeline.note('client', `refresh done: now using ${server.labelOf(event.tokens.accessToken)}`);
      if (event.type === 'refresh-failed') timeline.note('client', `refresh failed: RefreshError ${event.error.code}`);
      if (event.type === 'logout') timeline.note('client', `session ended (${event.reason}); tokens cleared`);
    });
    return { server, api, auth, events };
  } catch (error) {
    await server.close();
    throw error;
  }
}

async function login(server: DemoServer, auth: RefreshInterceptorHandle, secrets: Set<string>, timeline: Timeline) {
  const { data } = await axios.post<TokenAnswer>(`${server.url}/auth/login`, { username: 'ada' }, { adapter: 'http', timeout: 5000 });
  secrets.add(data.access_token).add(data.refresh_token);
  const receivedAt = Date.now();
  await auth.setTokens({ accessToken: data.access_token, refreshToken: data.refresh_token });
  const label = server.labelOf(data.access_token);
  timeline.note('client', `logged in; the session starts with ${label} + ${server.labelOf(data.refresh_token)}`);
  return { label, receivedAt };
}

async function fetchItem(api: AxiosInstance, id: number, timeline: Timeline): Promise<RequestOutcome> {
  const request = `R${id}`;
  try {
    const response = await api.get<Item>(`/api/items/${id}`, { headers: { 'X-Request-Id': request } });
    timeline.note('client', `${request.padEnd(3)} resolved: ${response.status} ${response.data.name}`);
    return { request, ok: true, status: response.status };
  } catch (error) {
    if (isRefreshError(error)) {
      timeline.note('client', `${request.padEnd(3)} rejected: RefreshError ${error.code}`);
      return { request, ok: false, code: error.code };
    }
    if (axios.isAxiosError(error)) {
      const status = error.response?.status;
      timeline.note('client', `${request.padEnd(3)} rejected: ${status === undefined ? error.code ?? 'network error' : `HTTP ${status}`}`);
      return { request, ok: false, status };
    }
    timeline.note('client', `${request.padEnd(3)} rejected: ${error instanceof Error ? error.name : 'unknown error'}`);
    return { request, ok: false };
  }
}

const burst = (api: AxiosInstance, ids: number[], timeline: Timeline): Promise<RequestOutcome[]> =>
  Promise.all(ids.map((id) => fetchItem(api, id, timeline)));

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const apiEvents = (events: ServerEvent[]) => events.flatMap((event) => (event.type === 'api' ? [event] : []));

/**
 * Runs the demonstration against a real local token server: a burst of requests across token expiry
 * (one refresh, replays), a refresh before sending for a token about to expire, and a rejected refresh
 * that ends the session. Checks its own outcome; never prints a token.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const write = options.log ?? ((line: string) => console.log(line));
  const lifetime = options.accessTokenLifetime ?? 3;
  const proactiveLifetime = options.proactiveTokenLifetime ?? 4;
  const secrets = new Set<string>();
  const result: DemoResult = {
    ok: false,
    checks: [],
    tokensWithheld: 0,
    act1: { requests: [], refreshCalls: 0, reuseDetected: 0, unauthorized: 0, replays: 0, maxAttempts: 0 },
    act2: { requests: [], refreshCalls: 0, unauthorized: 0, secondBurstTokens: [] },
    act3: {
      waiting: [],
      refreshCalls: 0,
      refreshStatuses: [],
      logouts: [],
      afterLogout: undefined,
      afterLogoutToken: undefined,
      tokensAfterLogout: true,
    },
  };
  const timeline = createTimeline(write, secrets, () => {
    result.tokensWithheld += 1;
  });
  const check = (name: string, ok: boolean, detail: string): void => {
    result.checks.push({ name, ok, detail });
  };
  const margin = 300;

  timeline.print('axios-refresh-interceptor: a demonstration against a real local token server');
  timeline.print('  HS256 JWT access tokens and rotating refresh tokens. Tokens are named by label: T1, T2 for');
  timeline.print('  access tokens, RT1, RT2 for refresh tokens; their values are never printed. Each act has its');
  timeline.print('  own server, session and client, so names start again at T1 and R1.');

  // ---------------------------------------------------------------------------------------------
  const act1 = async (): Promise<void> => {
    timeline.print('');
    timeline.print(`Act 1: a burst of requests across token expiry (${lifetime} s access tokens)`);
    timeline.print('  These access tokens carry no exp claim, and the refresh answer is mapped without expiresAt:');
    timeline.print('  the client cannot tell when a token expires, so it finds out from the 401. One refresh');
    timeline.print('  serves every refused request; each is replayed once with the new token.');
    timeline.print('');
    timeline.restart();
    const { server, api, auth, events } = await openAct(timeline, secrets, {
      accessTokenLifetime: lifetime,
      expClaim: false,
      refreshDelay: 150,
    });
    try {
      await login(server, auth, secrets, timeline);
      const loginEvent = events.find((event) => event.type === 'login');
      const first = await within(burst(api, range(1, 8), timeline), 8000, 'the first burst');
      const expiresAt = loginEvent?.expiresAt ?? Date.now() + lifetime * 1000;
      timeline.note('demo', `waiting until T1 has expired on the server (in ${Math.max(0, expiresAt - Date.now())} ms, + ${margin} ms)`);
      await sleep(expiresAt - Date.now() + margin);
      timeline.note('demo', 'T1 has expired; the client still holds it');
      const second = await within(burst(api, range(9, 16), timeline), 8000, 'the second burst');

      const requests = [...first, ...second];
      const seen = apiEvents(events);
      const attempts = new Map<string, number>();
      for (const event of seen) attempts.set(event.request, Math.max(attempts.get(event.request) ?? 0, event.attempt));
      Object.assign(result.act1, {
        requests,
        refreshCalls: server.stats.refreshCalls,
        reuseDetected: server.stats.reuseDetected,
        unauthorized: seen.filter((event) => event.status === 401).length,
        replays: seen.filter((event) => event.attempt > 1).length,
        maxAttempts: Math.max(0, ...attempts.values()),
      });
      const ok = requests.filter((outcome) => outcome.ok).length;
      timeline.print('');
      timeline.print(
        `  refresh calls: ${result.act1.refreshCalls}, reuse detected: ${result.act1.reuseDetected}, requests ok: ${ok}/${requests.length}` +
          ` (401s: ${result.act1.unauthorized}, replays: ${result.act1.replays})`,
      );

      const refusedIds = new Set(seen.filter((event) => event.status === 401).map((event) => event.request));
      const replayedWithNew = [...refusedIds].every((id) =>
        seen.some((event) => event.request === id && event.attempt === 2 && event.status === 200 && event.token === 'T2'),
      );
      check('act 1: exactly one refresh call', result.act1.refreshCalls === 1, `${result.act1.refreshCalls} refresh call(s)`);
      check('act 1: no refresh token reuse', result.act1.reuseDetected === 0, `${result.act1.reuseDetected} reuse(s) detected`);
      check('act 1: every request succeeded', ok === requests.length && requests.length === 16, `${ok}/${requests.length} ok`);
      check(
        'act 1: the first burst went out with T1 and was accepted',
        first.every((outcome) => seen.some((event) => event.request === outcome.request && event.attempt === 1 && event.token === 'T1' && event.status === 200)),
        'every first-burst request carried T1',
      );
      check('act 1: the expired token was refused with 401', refusedIds.size > 0, `${refusedIds.size} request(s) refused`);
      check('act 1: every refused request was replayed once, with T2', replayedWithNew, 'replays carried T2 and got 200');
      check('act 1: no request was sent more than twice', result.act1.maxAttempts <= 2, `at most ${result.act1.maxAttempts} attempt(s)`);
    } finally {
      await server.close();
    }
  };

  // ---------------------------------------------------------------------------------------------
  const act2 = async (): Promise<void> => {
    timeline.print('');
    timeline.print(`Act 2: refresh before sending (${proactiveLifetime} s access tokens with an exp claim)`);
    timeline.print('  Now the access token is a JWT with exp. The library reads exp (decoding, not verifying) and,');
    timeline.print('  with the default leeway (30 s, capped at half the lifetime), a request made in the second half');
    timeline.print('  of the lifetime refreshes first: no request is sent with the old token, no 401 is spent.');
    timeline.print('');
    timeline.restart();
    const { server, api, auth, events } = await openAct(timeline, secrets, {
      accessTokenLifetime: proactiveLifetime,
      expClaim: true,
      refreshDelay: 150,
    });
    try {
      const { receivedAt } = await login(server, auth, secrets, timeline);
      const loginEvent = events.find((event) => event.type === 'login');
      const first = await within(burst(api, range(1, 4), timeline), 8000, 'the first burst');
      // The refresh is due at most half the lifetime after the token was received.
      const dueBy = receivedAt + (proactiveLifetime * 1000) / 2;
      timeline.note('demo', `waiting past half of T1's lifetime (${Math.max(0, dueBy - Date.now())} ms, + ${margin} ms)`);
      await sleep(dueBy - Date.now() + margin);
      const left = (loginEvent?.expiresAt ?? 0) - Date.now();
      timeline.note('demo', `T1 is still valid on the server for ${Math.max(0, left)} ms`);
      const second = await within(burst(api, range(5, 12), timeline), 8000, 'the second burst');

      const requests = [...first, ...second];
      const seen = apiEvents(events);
      const secondIds = new Set(second.map((outcome) => outcome.request));
      Object.assign(result.act2, {
        requests,
        refreshCalls: server.stats.refreshCalls,
        unauthorized: seen.filter((event) => event.status === 401).length,
        secondBurstTokens: seen.filter((event) => secondIds.has(event.request)).map((event) => event.token),
      });
      const ok = requests.filter((outcome) => outcome.ok).length;
      timeline.print('');
      timeline.print(
        `  refresh calls: ${result.act2.refreshCalls}, 401s: ${result.act2.unauthorized}, requests ok: ${ok}/${requests.length}`,
      );
      check('act 2: exactly one refresh call', result.act2.refreshCalls === 1, `${result.act2.refreshCalls} refresh call(s)`);
      check('act 2: no 401 was spent', result.act2.unauthorized === 0, `${result.act2.unauthorized} 401(s)`);
      check('act 2: every request succeeded', ok === requests.length, `${ok}/${requests.length} ok`);
      check(
        'act 2: the second burst went out once each, with T2',
        result.act2.secondBurstTokens.length === second.length && result.act2.secondBurstTokens.every((token) => token === 'T2'),
        `tokens seen: ${result.act2.secondBurstTokens.join(', ')}`,
      );
    } finally {
      await server.close();
    }
  };

  // ---------------------------------------------------------------------------------------------
  const act3 = async (): Promise<void> => {
    timeline.print('');
    timeline.print('Act 3: the server revokes the session');
    timeline.print('  The next requests are refused; their refresh is answered 400 invalid_grant. The session ends:');
    timeline.print('  onLogout is called once, the waiting requests reject with RefreshError REFRESH_REJECTED, and');
    timeline.print('  later requests go out without a token.');
    timeline.print('');
    timeline.restart();
    const { server, api, auth, events } = await openAct(
      timeline,
      secrets,
      { accessTokenLifetime: lifetime, expClaim: false, refreshDelay: 150 },
      (reason, code) => {
        result.act3.logouts.push({ reason, code });
      },
    );
    try {
      await login(server, auth, secrets, timeline);
      await within(fetchItem(api, 1, timeline), 8000, 'the first request');
      await axios.post(`${server.url}/admin/revoke`, {}, { adapter: 'http', timeout: 5000 });
      const waiting = await within(burst(api, range(2, 4), timeline), 8000, 'the requests after the revocation');
      const afterLogout = await within(fetchItem(api, 5, timeline), 8000, 'the request after the logout');

      const seen = apiEvents(events);
      const refreshes = events.flatMap((event) => (event.type === 'refresh' ? [event] : []));
      Object.assign(result.act3, {
        waiting,
        refreshCalls: server.stats.refreshCalls,
        refreshStatuses: refreshes.map((event) => event.status),
        afterLogout,
        afterLogoutToken: seen.find((event) => event.request === 'R5')?.token,
        tokensAfterLogout: auth.getTokens() !== null,
      });
      const { logouts } = result.act3;
      timeline.print('');
      timeline.print(
        `  refresh calls: ${result.act3.refreshCalls} (answered ${result.act3.refreshStatuses.join(', ')}), onLogout calls: ${logouts.length}, ` +
          `rejections: ${waiting.map((outcome) => outcome.code ?? outcome.status ?? '?').join(', ')}`,
      );
      check('act 3: one refresh call, answered 400', result.act3.refreshStatuses.join() === '400', `answers: ${result.act3.refreshStatuses.join(', ') || 'none'}`);
      check(
        "act 3: onLogout called once, reason 'refresh-rejected'",
        logouts.length === 1 && logouts[0]?.reason === 'refresh-rejected' && logouts[0].code === 'REFRESH_REJECTED',
        `${logouts.length} call(s): ${logouts.map((event) => `${event.reason}/${event.code ?? '-'}`).join(', ')}`,
      );
      check(
        'act 3: every waiting request rejected with REFRESH_REJECTED',
        waiting.length === 3 && waiting.every((outcome) => outcome.code === 'REFRESH_REJECTED'),
        waiting.map((outcome) => `${outcome.request}: ${outcome.code ?? outcome.status ?? 'ok'}`).join(', '),
      );
      check('act 3: the tokens were cleared', !result.act3.tokensAfterLogout, result.act3.tokensAfterLogout ? 'tokens kept' : 'no tokens');
      check(
        'act 3: the request after the logout went out without a token',
        result.act3.afterLogoutToken === null && afterLogout.status === 401 && afterLogout.code === undefined,
        `the API saw ${result.act3.afterLogoutToken === null ? 'no token' : (result.act3.afterLogoutToken ?? 'nothing')}, the caller got ${afterLogout.status ?? afterLogout.code ?? '?'}`,
      );
    } finally {
      await server.close();
    }
  };

  for (const [name, act] of [
    ['act 1', act1],
    ['act 2', act2],
    ['act 3', act3],
  ] as const) {
    try {
      await act();
    } catch (error) {
      check(`${name}: ran to the end`, false, error instanceof Error ? error.message : 'unknown error');
    }
  }

  check('no token was printed', result.tokensWithheld === 0, `${result.tokensWithheld} line(s) withheld`);
  result.ok = result.checks.every((entry) => entry.ok);

  timeline.print('');
  timeline.print('Expectations:');
  for (const entry of result.checks) timeline.print(`  [${entry.ok ? 'ok' : 'FAILED'}] ${entry.name} (${entry.detail})`);
  const failed = result.checks.filter((entry) => !entry.ok).length;
  timeline.print('');
  timeline.print(
    result.ok
      ? `All ${result.checks.length} expectations held.`
      : `${failed} of ${result.checks.length} expectations FAILED.`,
  );
  return result;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  runDemo().then(
    (result) => {
      process.exitCode = result.ok ? 0 : 1;
    },
    (error: unknown) => {
      console.error(`The demo stopped: ${error instanceof Error ? error.message : 'unknown error'}`);
      process.exitCode = 1;
    },
  );
}
