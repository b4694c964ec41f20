import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RefreshError } from '../src/index.js';
import type { LogoutEvent, RefreshContext, TokenSet } from '../src/index.js';
import { deferred, flush, setup, tokenOf } from './helpers.js';

/** 2030-01-01T00:00:00Z: the fake clock's start. */
const START = 1_893_456_000_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The longest wait a timer can hold (about 24.8 days). */
const MAX_TIMER = 2 ** 31 - 1;

const transient = (): Error => Object.assign(new Error('refresh endpoint answered 503'), { status: 503 });
const rejected = (): Error => Object.assign(new Error('refresh endpoint answered 400'), { status: 400 });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(START);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/**
 * An instance with `scheduleRefresh` on the fake clock. `answer` decides each refresh (by its
 * 1-based number); `calls` keeps the fake time of every refresh call.
 */
function scheduled(
  answer: (count: number, context: RefreshContext) => TokenSet | Promise<TokenSet>,
  initial: TokenSet | null,
  extra: { readonly onLogout?: (event: LogoutEvent) => void; readonly refreshTimeout?: number } = {},
) {
  const calls: number[] = [];
  const { api, mock, auth } = setup(
    {
      ...extra,
      scheduleRefresh: true,
      now: () => Date.now(),
      refresh: (context) => {
        calls.push(Date.now() - START);
        return answer(calls.length, context);
      },
    },
    initial,
  );
  return { api, mock, auth, calls };
}

const opaque = (count: number, expiresIn: number): TokenSet => ({ accessToken: `access-${count}`, refreshToken: `refresh-${count}`, expiresIn });

describe('scheduled refresh: timing', () => {
  it('refreshes at the due time and not a millisecond before', async () => {
    const { calls } = scheduled((count) => opaque(count, 3600), { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: START + MINUTE });

    await vi.advanceTimersByTimeAsync(30_000 - 1);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([30_000]);
  });

  it('re-arms for each new token after a success', async () => {
    const { auth, calls } = scheduled((count) => opaque(count, 120), { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: START + MINUTE });

    await vi.advanceTimersByTimeAsync(30_000);
    expect(auth.getTokens()?.accessToken).toBe('access-1');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(2 * 90_000);

    // Each 120 s token is refreshed 30 s before it expires.
    expect(calls).toEqual([30_000, 120_000, 210_000]);
    expect(auth.getTokens()?.accessToken).toBe('access-3');
    expect(vi.getTimerCount()).toBe(1);
  });

  it('after a 2-hour sleep (the timer has not fired yet) the next request refreshes before it is sent, with no 401', async () => {
    const valid = new Map<string, number>([['access-0', START + HOUR]]);
    const { api, mock, auth, calls } = scheduled((count) => {
      valid.set(`access-${count}`, Date.now() + HOUR);
      return opaque(count, 3600);
    }, { accessToken: 'access-0', refreshToken: 'refresh-0', expiresIn: 3600 });
    const seen: Array<string | undefined> = [];
    const statuses: number[] = [];
    mock.onGet('/me').reply((config) => {
      const token = tokenOf(config);
      seen.push(token);
      const status = Date.now() < (valid.get(token ?? '') ?? 0) ? 200 : 401;
      statuses.push(status);
      return [status, {}];
    });

    vi.setSystemTime(START + 2 * HOUR); // the clock jumps; no timer fires
    expect(calls).toEqual([]);
    await api.get('/me');

    expect(calls).toEqual([2 * HOUR]);
    expect(seen).toEqual(['access-1']);
    expect(statuses).toEqual([200]);
    expect(auth.getTokens()?.expiresAt).toBe(START + 3 * HOUR);
    // The late timer does not refresh again: the next refresh is the new token's.
    await vi.advanceTimersByTimeAsync(HOUR - 30_000 - 1);
    expect(calls).toEqual([2 * HOUR]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([2 * HOUR, 3 * HOUR - 30_000]);
  });

  it('after a 2-hour sleep a late timer refreshes as soon as it fires', async () => {
    const { calls } = scheduled((count) => opaque(count, 3600), { accessToken: 'access-0', refreshToken: 'refresh-0', expiresIn: 3600 });

    vi.setSystemTime(START + 2 * HOUR);
    await vi.advanceTimersToNextTimerAsync();

    expect(calls).toHaveLength(1);
    expect(calls[0]).toBeGreaterThanOrEqual(2 * HOUR);
  });

  it('clamps the wait for a token valid 30 days to the longest timer, re-arms, and refreshes only at the due time', async () => {
    const timeout = vi.spyOn(globalThis, 'setTimeout');
    const { calls } = scheduled((count) => opaque(count, 3600), { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: START + 30 * DAY });
    const due = 30 * DAY - 30_000;

    expect(timeout.mock.calls.map((call) => call[1])).toEqual([MAX_TIMER]);
    await vi.advanceTimersByTimeAsync(MAX_TIMER);
    expect(calls).toEqual([]);
    expect(vi.getTimerCount()).toBe(1);
    expect(timeout.mock.calls.map((call) => call[1])).toEqual([MAX_TIMER, due - MAX_TIMER]);

    await vi.advanceTimersByTimeAsync(due - MAX_TIMER - 1);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([due]);
  });
});

describe('scheduled refresh: never keeps a process alive', () => {
  it('unrefs every timer it arms: the first, the retry after a failure, and the one re-armed after a success', async () => {
    const timeout = vi.spyOn(globalThis, 'setTimeout');
    scheduled((count) => (count === 1 ? Promise.reject(transient()) : opaque(count, 120)), {
      accessToken: 'access-0',
      refreshToken: 'refresh-0',
      expiresAt: START + MINUTE,
    });

    await vi.advanceTimersByTimeAsync(30_000 + 2_000);

    // 30 s: the due time; 2 s: the retry; 90 s: the new 120 s token's due time. (The refresh's
    // own 10 s timeout lives only while a refresh runs.)
    const armed = timeout.mock.calls
      .map((call, index) => ({ delay: call[1], timer: timeout.mock.results[index]?.value as NodeJS.Timeout }))
      .filter(({ delay }) => delay !== 10_000);
    expect(armed.map(({ delay }) => delay)).toEqual([30_000, 2_000, 90_000]);
    for (const { timer } of armed) expect(timer.hasRef()).toBe(false);
  });

  it('lets a Node process with a session and a scheduled refresh an hour away exit on its own', async () => {
    vi.useRealTimers();
    const root = fileURLToPath(new URL('..', import.meta.url));
    const script = `
      const { default: axios } = await import('axios');
      const { attachRefreshInterceptor } = await import(process.env.LIBRARY);
      const api = axios.create({ baseURL: 'https://api.example.test' });
      attachRefreshInterceptor(api, {
        scheduleRefresh: true,
        refresh: () => ({ accessToken: 'access-1' }),
        tokens: { accessToken: 'access-0', refreshToken: 'refresh-0', expiresIn: 3600 },
      });
      console.log('attached');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
      cwd: root,
      env: { ...process.env, LIBRARY: new URL('../src/index.ts', import.meta.url).href },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    // A safety net only: a process kept alive by the timer would wait an hour.
    const killer = setTimeout(() => child.kill(), 15_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);

    expect(output.trim()).toBe('attached');
    expect(code).toBe(0);
  });
});

describe('scheduled refresh: cancellation', () => {
  it('is cancelled by logout()', async () => {
    const { auth, calls } = scheduled((count) => opaque(count, 3600), { accessToken: 'access-0', refreshToken: 'refresh-0', expiresIn: 3600 });
    expect(vi.getTimerCount()).toBe(1);

    await auth.logout();

    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(calls).toEqual([]);
  });

  it('is cancelled by eject(), and a later setTokens arms nothing', async () => {
    const { auth, calls } = scheduled((count) => opaque(count, 3600), { accessToken: 'access-0', refreshToken: 'refresh-0', expiresIn: 3600 });
    expect(vi.getTimerCount()).toBe(1);

    auth.eject();
    expect(vi.getTimerCount()).toBe(0);
    await auth.setTokens({ accessToken: 'access-b', refreshToken: 'refresh-b', expiresIn: 60 });

    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(calls).toEqual([]);
  });

  it.each([
    { label: 'logout()', end: (auth: { logout(): Promise<void> }) => auth.logout() },
    { label: 'eject()', end: (auth: { eject(): void }) => auth.eject() },
  ])('a scheduled refresh under way when $label is called is neither retried nor re-armed', async ({ end }) => {
    const gate = deferred<TokenSet>();
    const { auth, calls } = scheduled(() => gate.promise, { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: START + MINUTE });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls).toEqual([30_000]);

    await end(auth);
    gate.resolve(opaque(1, 120));
    await flush();

    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(calls).toEqual([30_000]);
  });
});

describe('scheduled refresh: failures', () => {
  it('retries a transient failure after 2 s, 4 s, 8 s, 16 s, then every 30 s, keeping the tokens', async () => {
    const { auth, calls } = scheduled(() => Promise.reject(transient()), { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: START + MINUTE });
    const before = auth.getTokens();

    await vi.advanceTimersByTimeAsync(30_000 + 2_000 + 4_000 + 8_000 + 16_000 + 30_000 + 30_000);

    const gaps = calls.slice(1).map((at, index) => at - (calls[index] ?? 0));
    expect(calls[0]).toBe(30_000);
    expect(gaps).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(auth.getTokens()).toBe(before);
  });

  it.each([
    {
      code: 'REFRESH_TIMEOUT',
      answer: (_count: number, { signal }: RefreshContext) =>
        new Promise<TokenSet>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      lasts: 1_000,
    },
    { code: 'INVALID_REFRESH_RESPONSE', answer: () => ({ accessToken: '' }), lasts: 0 },
  ])('retries a $code failure after 2 s', async ({ code, answer, lasts }) => {
    const { auth, calls } = scheduled(answer, { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: START + MINUTE }, { refreshTimeout: 1_000 });
    const failures: string[] = [];
    auth.subscribe((event) => {
      if (event.type === 'refresh-failed') failures.push(event.error.code);
    });

    await vi.advanceTimersByTimeAsync(30_000 + lasts + 2_000);

    expect(failures[0]).toBe(code);
    expect(calls).toEqual([30_000, 30_000 + lasts + 2_000]);
  });

  it('starts the backoff again at 2 s after a success', async () => {
    const { calls } = scheduled((count) => (count === 3 ? opaque(count, 120) : Promise.reject(transient())), {
      accessToken: 'access-0',
      refreshToken: 'refresh-0',
      expiresAt: START + MINUTE,
    });

    // Fails at 30 s and 32 s, succeeds at 36 s; the new token is due 90 s later, fails, and is retried 2 s after.
    await vi.advanceTimersByTimeAsync(30_000 + 2_000 + 4_000 + 90_000 + 2_000);

    expect(calls).toEqual([30_000, 32_000, 36_000, 126_000, 128_000]);
  });

  it('starts the backoff again at 2 s for a new session', async () => {
    const { auth, calls } = scheduled(() => Promise.reject(transient()), { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: START + MINUTE });
    await vi.advanceTimersByTimeAsync(30_000 + 2_000 + 4_000);
    expect(calls).toEqual([30_000, 32_000, 36_000]);

    await auth.setTokens({ accessToken: 'access-b', refreshToken: 'refresh-b', expiresAt: Date.now() + MINUTE });
    calls.length = 0;
    await vi.advanceTimersByTimeAsync(30_000 + 2_000);

    expect(calls).toEqual([66_000, 68_000]);
  });

  it.each([
    { label: 'a 400 from the refresh endpoint', error: rejected },
    { label: "a RefreshError('REFRESH_REJECTED') thrown by refresh", error: () => new RefreshError('REFRESH_REJECTED') },
  ])('logs out on $label and arms no timer again', async ({ error }) => {
    const logouts: LogoutEvent[] = [];
    const { auth, calls } = scheduled(() => Promise.reject(error()), { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: START + MINUTE }, {
      onLogout: (event) => {
        logouts.push(event);
      },
    });

    await vi.advanceTimersByTimeAsync(30_000);

    expect(auth.getTokens()).toBeNull();
    expect(logouts).toHaveLength(1);
    expect(logouts[0]?.reason).toBe('refresh-rejected');
    expect(logouts[0]?.error?.code).toBe('REFRESH_REJECTED');
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(calls).toEqual([30_000]);
  });

  it('rethrows an error thrown by onLogout after a scheduled rejection on its own, since no caller would see it', async () => {
    const boom = new Error('onLogout failed');
    const { auth } = scheduled(() => Promise.reject(rejected()), { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: START + MINUTE }, {
      onLogout: () => {
        throw boom;
      },
    });

    await vi.advanceTimersByTimeAsync(30_000 - 1);
    vi.advanceTimersByTime(1); // fires the scheduled refresh
    await flush();

    expect(auth.getTokens()).toBeNull();
    expect(vi.getTimerCount()).toBe(1);
    expect(() => vi.advanceTimersToNextTimer()).toThrow(boom);
    expect(vi.getTimerCount()).toBe(0);
  });
});
