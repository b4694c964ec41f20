import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TokenSet } from '../src/index.js';
import { seconds, setup, tokenOf, unsignedJwt } from './helpers.js';

/** An unsigned JWT with `claims` (seconds since the epoch for `exp`/`iat`). */
const jwt = (claims: Record<string, unknown>): string => unsignedJwt({ sub: 'user-1', ...claims });


/** 2030-01-01T00:00:00Z: the real (server) time when each test starts. */
const START = 1_893_456_000_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;

const skews = [
  { label: '10 minutes fast', skew: 10 * MINUTE },
  { label: '10 minutes slow', skew: -10 * MINUTE },
];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(START);
});

afterEach(() => {
  vi.useRealTimers();
});

interface Refresh {
  /** Real time of the refresh call. */
  readonly at: number;
  /** The real expiry of the access token being refreshed. */
  readonly replacing: number | undefined;
}

/**
 * A token server and a resource server on the real clock (`Date.now()`), and a client whose clock
 * is `skew` off. `issue` makes the token set for a token the server issues at `real` time; the
 * resource server answers 401 to any token it did not issue or that expired on the real clock.
 */
function world(
  skew: number,
  issue: (count: number, real: number) => { readonly tokens: TokenSet; readonly expiresAt: number },
  options: { readonly scheduleRefresh?: boolean; readonly leeway?: number } = {},
) {
  /** When the server stops accepting each token it issued, on the real clock. */
  const issued = new Map<string, number>();
  const refreshes: Refresh[] = [];
  const statuses: number[] = [];
  let count = 0;
  const mint = (): TokenSet => {
    count += 1;
    const { tokens, expiresAt } = issue(count, Date.now());
    issued.set(tokens.accessToken, expiresAt);
    return tokens;
  };
  const login = mint();
  const { api, mock, auth } = setup(
    {
      ...options,
      now: () => Date.now() + skew,
      refresh: ({ tokens }) => {
        refreshes.push({ at: Date.now(), replacing: tokens ? issued.get(tokens.accessToken) : undefined });
        return mint();
      },
    },
    null,
  );
  mock.onGet('/me').reply((config) => {
    const expiresAt = issued.get(tokenOf(config) ?? '');
    const status = expiresAt !== undefined && Date.now() < expiresAt ? 200 : 401;
    statuses.push(status);
    return [status, {}];
  });
  return { api, auth, login, refreshes, statuses, get: () => api.get('/me') };
}

/** A JWT issued at `real` time for `lifetime` ms, with `iat` (or without it). */
const jwtIssuer =
  (lifetime: number, withIat = true) =>
  (count: number, real: number) => ({
    tokens: {
      accessToken: jwt({ jti: count, ...(withIat ? { iat: seconds(real) } : {}), exp: seconds(real + lifetime) }),
      refreshToken: `refresh-${count}`,
    },
    expiresAt: seconds(real + lifetime) * 1000,
  });

/** `requests` requests, `step` ms apart on the real clock. */
async function spread(get: () => Promise<unknown>, requests: number, step: number): Promise<void> {
  for (let request = 0; request < requests; request += 1) {
    if (request > 0) vi.setSystemTime(Date.now() + step);
    await get();
  }
}

describe('refreshed JWTs on a wrong client clock', () => {
  it.each(skews)(
    'with the clock $label, 50 requests over three lifetimes refresh once per lifetime, within the leeway before the real expiry, with no 401',
    async ({ skew }) => {
      const leeway = 5 * MINUTE;
      const w = world(skew, jwtIssuer(HOUR), { leeway });
      await w.auth.setTokens(w.login);
      await w.auth.refresh({ force: true }); // from here on, every token is one a refresh minted
      w.refreshes.length = 0;

      await spread(w.get, 50, (3 * HOUR) / 50);

      expect(w.statuses).toHaveLength(50);
      expect(w.statuses.filter((status) => status === 401)).toHaveLength(0);
      expect(w.refreshes).toHaveLength(3);
      for (const { at, replacing } of w.refreshes) {
        expect(replacing).toBeDefined();
        expect(at).toBeLessThan(replacing ?? 0);
        expect(at).toBeGreaterThanOrEqual((replacing ?? 0) - leeway);
      }
    },
  );

  it.each(skews)(
    'with the clock $label, a scheduled refresh of a refreshed JWT fires 30 s before its real expiry, lifetime after lifetime',
    async ({ skew }) => {
      const w = world(skew, jwtIssuer(HOUR), { scheduleRefresh: true });
      await w.auth.setTokens(w.login);
      await w.auth.refresh({ force: true });
      w.refreshes.length = 0;

      await vi.advanceTimersByTimeAsync(3 * HOUR);

      expect(w.refreshes).toHaveLength(3);
      for (const { at, replacing } of w.refreshes) expect(at).toBe((replacing ?? 0) - 30_000);
    },
  );

  it.each(skews)(
    'with the clock $label, a login token judged by its absolute exp costs at most one early refresh or one 401, never a refresh per request',
    async ({ skew }) => {
      const w = world(skew, jwtIssuer(HOUR));
      await w.auth.setTokens(w.login);

      await spread(w.get, 50, (3 * HOUR) / 50);

      expect(w.statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(skew < 0 ? 1 : 0);
      expect(w.refreshes.length).toBeGreaterThanOrEqual(2);
      expect(w.refreshes.length).toBeLessThanOrEqual(4);
      const gaps = w.refreshes.slice(1).map((refresh, index) => refresh.at - (w.refreshes[index]?.at ?? 0));
      for (const gap of gaps) expect(gap).toBeGreaterThan(HOUR / 2);
    },
  );

  it.each([
    { ahead: '20 s', lifetime: 10 * MINUTE + 20_000 },
    { ahead: '40 s', lifetime: 10 * MINUTE + 40_000 },
  ])(
    'with the clock 10 minutes fast, a refreshed JWT without iat whose exp lies $ahead ahead on the local clock is not refreshed on every request',
    async ({ lifetime }) => {
      // Its real lifetime is 10 minutes longer than the fast clock sees.
      const w = world(10 * MINUTE, jwtIssuer(lifetime, false));
      await w.auth.setTokens(w.login);
      await w.auth.refresh({ force: true });
      w.refreshes.length = 0;

      await spread(w.get, 50, 12_000);

      expect(w.statuses.filter((status) => status === 401)).toHaveLength(0);
      expect(w.refreshes.length).toBeLessThanOrEqual(2);
    },
  );

  it('with the clock 10 minutes fast and scheduled refresh, a refreshed JWT without iat already expired on the local clock arms no timer (no refresh loop)', async () => {
    const w = world(10 * MINUTE, jwtIssuer(5 * MINUTE, false), { scheduleRefresh: true });
    await w.auth.setTokens(w.login);
    await w.auth.refresh({ force: true });
    w.refreshes.length = 0;

    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(w.refreshes).toHaveLength(0);

    // Its 401 tells, once per real lifetime: one refresh, one replay.
    vi.setSystemTime(Date.now() + 5 * MINUTE);
    await w.get();
    expect(w.refreshes).toHaveLength(1);
    expect(w.statuses).toEqual([401, 200]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('token sets with expiresIn', () => {
  /** An opaque token valid `lifetime` ms, told as expiresIn. */
  const opaqueIssuer = (lifetime: number) => (count: number, real: number) => ({
    tokens: { accessToken: `opaque-${count}`, refreshToken: `refresh-${count}`, expiresIn: lifetime / 1000 },
    expiresAt: real + lifetime,
  });

  async function refreshTimes(skew: number): Promise<number[]> {
    const w = world(skew, opaqueIssuer(HOUR), { scheduleRefresh: true });
    await w.auth.setTokens(w.login);
    for (let request = 0; request < 20; request += 1) {
      await vi.advanceTimersByTimeAsync((3 * HOUR) / 20);
      await w.get();
    }
    expect(w.statuses.filter((status) => status === 401)).toHaveLength(0);
    return w.refreshes.map(({ at }) => at - START);
  }

  it('are refreshed at the same real times whether the client clock is right, 10 minutes fast or 10 minutes slow', async () => {
    const right = await refreshTimes(0);
    vi.setSystemTime(START);
    const fast = await refreshTimes(10 * MINUTE);
    vi.setSystemTime(START);
    const slow = await refreshTimes(-10 * MINUTE);

    expect(right).toEqual([HOUR - 30_000, 2 * HOUR - 60_000, 3 * HOUR - 90_000]);
    expect(fast).toEqual(right);
    expect(slow).toEqual(right);
  });
});
