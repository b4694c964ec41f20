import { afterEach, describe, expect, it, vi } from 'vitest';
import { RefreshError } from '../src/index.js';
import type { LogoutEvent, RefreshContext, TokenSet } from '../src/index.js';
import { deferred, flush, seconds, setup, tokenOf, unsignedJwt } from './helpers.js';

/** An unsigned JWT with `claims` (seconds since the epoch for `exp`/`iat`). */
const jwt = (claims: Record<string, unknown>): string => unsignedJwt(claims);


/** 2030-01-01T00:00:00Z. */
const START = 1_893_456_000_000;
const HOUR = 3_600_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('refresh({ force: true })', () => {
  it('mints a new token while the current one is fresh, and getClaims shows the new payload', async () => {
    const now = START;
    const fresh = jwt({ sub: 'user-1', plan: 'free', iat: seconds(now), exp: seconds(now + HOUR) });
    const updated = jwt({ sub: 'user-1', plan: 'pro', iat: seconds(now), exp: seconds(now + HOUR) });
    const { auth, refreshCalls } = setup({ now: () => now, refresh: () => ({ accessToken: updated }) }, { accessToken: fresh, refreshToken: 'refresh-0' });
    expect(auth.getClaims()).toMatchObject({ plan: 'free' });

    await expect(auth.refresh()).resolves.toBe(auth.getTokens()); // fresh: without force, nothing happens
    expect(refreshCalls).toHaveLength(0);
    const result = await auth.refresh({ force: true });

    expect(refreshCalls).toHaveLength(1);
    expect(auth.getClaims()).toEqual({ sub: 'user-1', plan: 'pro', iat: seconds(now), exp: seconds(now + HOUR) });
    expect(result.accessToken).toBe(updated);
  });

  it('resolves with the token set as stored: expiresAt filled in, expiresIn gone, refresh token kept', async () => {
    const now = START + 1_234;
    const { auth } = setup({ now: () => now, refresh: () => ({ accessToken: 'access-1', expiresIn: 900 }) }, {
      accessToken: 'access-0',
      refreshToken: 'refresh-0',
      expiresIn: 3600,
    });

    const result = await auth.refresh({ force: true });

    expect(result).toBe(auth.getTokens());
    expect(result).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-0', expiresAt: now + 900_000 });
    expect(result).not.toHaveProperty('expiresIn');
  });

  it('joins a scheduled refresh already under way: one refresh call, the same token set', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(START);
    const gate = deferred<TokenSet>();
    const { auth, refreshCalls } = setup(
      { scheduleRefresh: true, now: () => Date.now(), refresh: () => gate.promise },
      { accessToken: 'access-0', refreshToken: 'refresh-0', expiresIn: 60 },
    );
    await vi.advanceTimersByTimeAsync(30_000);
    expect(refreshCalls).toHaveLength(1);

    const forced = auth.refresh({ force: true });
    await flush();
    gate.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const tokens = await forced;
    expect(tokens).toBe(auth.getTokens());
    expect(tokens.accessToken).toBe('access-1');
    expect(refreshCalls).toHaveLength(1);
  });

  it('joins a refresh a request started ahead of expiry: one refresh call, the request sent with the new token', async () => {
    let now = START;
    const gate = deferred<TokenSet>();
    const { api, mock, auth, refreshCalls } = setup({ now: () => now, refresh: () => gate.promise }, {
      accessToken: 'access-0',
      refreshToken: 'refresh-0',
      expiresAt: START + HOUR,
    });
    const seen: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      return [200, {}];
    });

    now = START + HOUR - 10_000;
    const request = api.get('/me');
    await flush();
    expect(refreshCalls).toHaveLength(1);
    const forced = auth.refresh({ force: true });
    gate.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const [tokens] = await Promise.all([forced, request]);
    expect(refreshCalls).toHaveLength(1);
    expect(tokens.accessToken).toBe('access-1');
    expect(seen).toEqual(['access-1']);
  });

  it('is joined by several requests failing with 401 while it runs: one refresh call, each replayed once with the new token', async () => {
    const gate = deferred<TokenSet>();
    const { api, mock, auth, refreshCalls } = setup({ refresh: () => gate.promise });
    const replies = [deferred<[number, unknown]>(), deferred<[number, unknown]>(), deferred<[number, unknown]>()];
    const seen: Array<string | undefined> = [];
    let sent = 0;
    mock.onGet('/data').reply((config) => {
      seen.push(tokenOf(config));
      if (tokenOf(config) === 'access-new') return [200, { ok: true }];
      const reply = replies[sent];
      sent += 1;
      return reply?.promise ?? [500, {}];
    });

    const requests = [api.get('/data'), api.get('/data'), api.get('/data')];
    await flush();
    const forced = auth.refresh({ force: true });
    await flush();
    for (const reply of replies) reply.resolve([401, {}]);
    await flush();
    gate.resolve({ accessToken: 'access-new', refreshToken: 'refresh-new' });

    const [tokens, ...responses] = await Promise.all([forced, ...requests]);
    expect(refreshCalls).toHaveLength(1);
    expect(tokens.accessToken).toBe('access-new');
    expect(responses.map((response) => response.data)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(seen).toEqual(['access-0', 'access-0', 'access-0', 'access-new', 'access-new', 'access-new']);
  });

  it.each([
    {
      code: 'REFRESH_FAILED',
      refresh: () => Promise.reject(Object.assign(new Error('refresh endpoint answered 503'), { status: 503 })),
      options: {},
    },
    {
      code: 'REFRESH_TIMEOUT',
      refresh: ({ signal }: RefreshContext) =>
        new Promise<TokenSet>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      options: { refreshTimeout: 1_000 },
    },
    { code: 'INVALID_REFRESH_RESPONSE', refresh: () => ({ accessToken: 'not a token' }), options: {} },
  ])('leaves the current tokens untouched (the same object) on a $code failure', async ({ code, refresh, options }) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const logouts: LogoutEvent[] = [];
    const token = jwt({ sub: 'user-1', plan: 'free' });
    const { api, mock, auth } = setup(
      {
        ...options,
        refresh,
        onLogout: (event) => {
          logouts.push(event);
        },
      },
      { accessToken: token, refreshToken: 'refresh-0' },
    );
    const seen: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      return [200, {}];
    });
    const before = auth.getTokens();

    const forced = auth.refresh({ force: true }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await forced;

    expect(error).toBeInstanceOf(RefreshError);
    expect((error as RefreshError).code).toBe(code);
    expect(auth.getTokens()).toBe(before);
    expect(auth.getClaims()).toEqual({ sub: 'user-1', plan: 'free' });
    expect(logouts).toEqual([]);
    await api.get('/me');
    expect(seen).toEqual([token]);
  });

  it("ends the session when refresh throws RefreshError('REFRESH_REJECTED')", async () => {
    const logouts: LogoutEvent[] = [];
    const { auth } = setup({
      refresh: () => {
        throw new RefreshError('REFRESH_REJECTED');
      },
      onLogout: (event) => {
        logouts.push(event);
      },
    });

    const error: unknown = await auth.refresh({ force: true }).catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(RefreshError);
    expect((error as RefreshError).code).toBe('REFRESH_REJECTED');
    expect(auth.getTokens()).toBeNull();
    expect(logouts.map((event) => event.reason)).toEqual(['refresh-rejected']);
  });
});
