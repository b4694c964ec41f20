import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TokenSet } from '../src/index.js';
import { seconds, setup, tokenOf, unsignedJwt } from './helpers.js';

/** An unsigned JWT with `claims` (seconds since the epoch for `exp`/`iat`). */
const jwt = (claims: Record<string, unknown>): string => unsignedJwt({ sub: 'user-1', ...claims });


/** 2030-01-01T00:00:00Z, in milliseconds: the start of every clock here. */
const START = 1_893_456_000_000;

/**
 * An instance on a clock the test moves (`clock.now`), whose `/me` accepts only the current access
 * token (401 otherwise). `mint` gives the answer of each refresh.
 */
function client(
  initial: TokenSet | null,
  mint: (count: number, now: number) => TokenSet = (count) => ({ accessToken: `access-${count}` }),
) {
  const clock = { now: START };
  let minted = 0;
  const { api, mock, auth, refreshCalls } = setup(
    {
      now: () => clock.now,
      refresh: () => {
        minted += 1;
        return mint(minted, clock.now);
      },
    },
    initial,
  );
  const seen: Array<string | undefined> = [];
  const statuses: number[] = [];
  mock.onGet('/me').reply((config) => {
    const token = tokenOf(config);
    seen.push(token);
    const status = token !== undefined && token === auth.getTokens()?.accessToken ? 200 : 401;
    statuses.push(status);
    return [status, {}];
  });
  return { clock, auth, seen, statuses, refreshCount: () => refreshCalls.length, get: () => api.get('/me') };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('expiry order', () => {
  it('takes the expiry from expiresIn over expiresAt and the JWT exp, and shows it as expiresAt without expiresIn', async () => {
    const token = jwt({ iat: seconds(START), exp: seconds(START) + 3600 });
    const c = client(null);

    await c.auth.setTokens({ accessToken: token, refreshToken: 'refresh-0', expiresAt: START + 7_200_000, expiresIn: 120 });

    const kept = c.auth.getTokens();
    expect(kept).toEqual({ accessToken: token, refreshToken: 'refresh-0', expiresAt: START + 120_000 });
    expect(kept).not.toHaveProperty('expiresIn');
  });

  it('refreshes an expiresIn token set half its lifetime before expiry when that is under the leeway, and not a millisecond sooner', async () => {
    const c = client(null);
    await c.auth.setTokens({ accessToken: 'opaque-0', refreshToken: 'refresh-0', expiresIn: 40 });

    c.clock.now = START + 20_000 - 1;
    await c.get();
    expect(c.refreshCount()).toBe(0);

    c.clock.now = START + 20_000;
    await c.get();
    expect(c.refreshCount()).toBe(1);
    expect(c.seen).toEqual(['opaque-0', 'access-1']);
    expect(c.statuses).not.toContain(401);
  });

  it('turns expiresIn given in options.tokens into expiresAt counted from attach time', () => {
    const c = client({ accessToken: 'opaque-0', refreshToken: 'refresh-0', expiresIn: 300 });

    expect(c.auth.getTokens()).toEqual({ accessToken: 'opaque-0', refreshToken: 'refresh-0', expiresAt: START + 300_000 });
    expect(c.auth.getTokens()).not.toHaveProperty('expiresIn');
  });

  it('takes the expiry from expiresAt over the JWT exp: a near expiresAt refreshes ahead although exp is far', async () => {
    const token = jwt({ iat: seconds(START), exp: seconds(START) + 3600 });
    const c = client({ accessToken: token, refreshToken: 'refresh-0', expiresAt: START + 10_000 });

    expect(c.auth.getTokens()?.expiresAt).toBe(START + 10_000);
    await c.get();

    expect(c.refreshCount()).toBe(1);
    expect(c.seen).toEqual(['access-1']);
  });

  it('takes the expiry from expiresAt over the JWT exp: a far expiresAt does not refresh although exp is near', async () => {
    const token = jwt({ iat: seconds(START) - 3590, exp: seconds(START) + 10 });
    const c = client({ accessToken: token, refreshToken: 'refresh-0', expiresAt: START + 3_600_000 });

    await c.get();

    expect(c.refreshCount()).toBe(0);
    expect(c.seen).toEqual([token]);
  });

  it('takes the expiry from the JWT exp when the token set has none, and shows it as expiresAt', () => {
    const token = jwt({ iat: seconds(START) - 60, exp: seconds(START) + 3540 });
    const c = client({ accessToken: token, refreshToken: 'refresh-0' });

    expect(c.auth.getTokens()).toEqual({ accessToken: token, refreshToken: 'refresh-0', expiresAt: (seconds(START) + 3540) * 1000 });
  });

  it('resolves a refresh answer with expiresIn to expiresAt counted from its receipt, without expiresIn', async () => {
    const c = client({ accessToken: 'opaque-0', refreshToken: 'refresh-0' }, (count) => ({
      accessToken: `access-${count}`,
      expiresIn: 600,
    }));
    c.clock.now = START + 5_000;

    const result = await c.auth.refresh({ force: true });

    expect(result).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-0', expiresAt: START + 5_000 + 600_000 });
    expect(result).not.toHaveProperty('expiresIn');
    expect(c.auth.getTokens()).toBe(result);
  });
});

describe('opaque tokens without an expiry', () => {
  it('show no expiresAt, arm no scheduled refresh, and are refreshed only when the server answers 401', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let now = START;
    const { api, mock, auth, refreshCalls } = setup(
      { now: () => now, scheduleRefresh: true },
      { accessToken: 'opaque-0', refreshToken: 'refresh-0' },
    );
    const accepted = new Set(['opaque-0']);
    const seen: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      return accepted.has(tokenOf(config) ?? '') ? [200, {}] : [401, {}];
    });

    expect(auth.getTokens()).toEqual({ accessToken: 'opaque-0', refreshToken: 'refresh-0' });
    expect(vi.getTimerCount()).toBe(0);
    now += 365 * 24 * 3_600_000;
    await vi.advanceTimersByTimeAsync(365 * 24 * 3_600_000);
    await api.get('/me');
    expect(refreshCalls).toHaveLength(0);

    // The server stops accepting it: one 401, one refresh, one replay.
    accepted.clear();
    accepted.add('access-1');
    await api.get('/me');

    expect(seen).toEqual(['opaque-0', 'opaque-0', 'access-1']);
    expect(refreshCalls).toHaveLength(1);
    expect(auth.getTokens()).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('tokens that would make a refresh loop', () => {
  it('does not refresh before every request when a refresh answers a token already expired (expiresIn 0)', async () => {
    const c = client({ accessToken: 'opaque-0', refreshToken: 'refresh-0', expiresAt: START - 1 }, (count) => ({
      accessToken: `access-${count}`,
      expiresIn: 0,
    }));

    for (let request = 0; request < 5; request += 1) {
      await c.get().catch(() => undefined);
      c.clock.now += 1_000;
    }

    // One refresh ahead (the expired token from setTokens); afterwards only the server's 401s may tell.
    expect(c.refreshCount()).toBe(1);
  });

  it('does not refresh before every request when a refreshed JWT without iat lives less than the leeway', async () => {
    const c = client({ accessToken: 'opaque-0', refreshToken: 'refresh-0', expiresAt: START - 1 }, (count, now) => ({
      accessToken: jwt({ jti: count, exp: seconds(now) + 20 }),
    }));

    for (let request = 0; request < 10; request += 1) {
      await c.get();
      c.clock.now += 1_000;
    }

    // The first refresh replaces the expired token; a 20 s token is good for more than the next second.
    expect(c.refreshCount()).toBeLessThanOrEqual(2);
    expect(c.statuses).not.toContain(401);
  });
});

describe('malformed JWTs', () => {
  const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
  const withPayload = (payload: string): string => `${header}.${Buffer.from(payload).toString('base64url')}.sig`;

  it.each([
    { label: 'three dots of garbage', token: 'a.b.c' },
    { label: 'a payload that is not base64url', token: 'x.!!!.y' },
    { label: 'a payload that is not JSON', token: withPayload('not json') },
    { label: 'a payload that is JSON null', token: withPayload('null') },
    { label: 'a payload that is a JSON string', token: withPayload('"exp"') },
  ])('takes a refresh answer with $label as an opaque token without throwing', async ({ token }) => {
    const c = client({ accessToken: 'opaque-0', refreshToken: 'refresh-0' }, () => ({ accessToken: token }));

    await expect(c.auth.refresh({ force: true })).resolves.toEqual({ accessToken: token, refreshToken: 'refresh-0' });
    expect(c.auth.getClaims()).toBeNull();
    c.clock.now = START + 365 * 24 * 3_600_000;
    await expect(c.get()).resolves.toBeDefined();

    expect(c.refreshCount()).toBe(1);
    expect(c.seen).toEqual([token]);
  });

  it('ignores an exp claim that is not a number: no expiry, no refresh ahead, the claims still decoded', async () => {
    const token = jwt({ exp: String(seconds(START) + 10) });
    const c = client({ accessToken: token, refreshToken: 'refresh-0' });

    expect(c.auth.getTokens()).toEqual({ accessToken: token, refreshToken: 'refresh-0' });
    expect(c.auth.getClaims()).toEqual({ sub: 'user-1', exp: String(seconds(START) + 10) });
    c.clock.now = START + 3_600_000;
    await c.get();

    expect(c.refreshCount()).toBe(0);
    expect(c.seen).toEqual([token]);
  });

  it('keeps a JWT whose exp is beyond any date as a token set the library itself accepts', async () => {
    const token = jwt({ exp: 1e306 });
    const c = client(null);

    await c.auth.setTokens({ accessToken: token, refreshToken: 'refresh-0' });
    const kept = c.auth.getTokens();

    expect(kept).not.toBeNull();
    expect(Number.isFinite(kept?.expiresAt ?? 0)).toBe(true);
    await expect(c.auth.setTokens(kept as TokenSet)).resolves.toBeUndefined();
    // What storage would write (JSON) reads back as a token set too.
    await expect(c.auth.setTokens(JSON.parse(JSON.stringify(kept)) as TokenSet)).resolves.toBeUndefined();
  });
});
