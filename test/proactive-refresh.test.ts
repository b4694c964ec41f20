import { describe, expect, it } from 'vitest';
import type { TokenSet } from '../src/index.js';
import { seconds, setup, tokenOf, unsignedJwt } from './helpers.js';

/** An unsigned JWT with `claims` (seconds since the epoch for `exp`/`iat`). */
const jwt = (claims: Record<string, unknown>): string => unsignedJwt({ sub: 'user-1', ...claims });


/** 2030-01-01T00:00:00Z: a fixed local clock, in milliseconds. */
const START = 1_893_456_000_000;

/**
 * An instance whose mock accepts only the current access token (401 otherwise) and records every
 * token it sees; the clock is `clock.now`.
 */
function proactive(
  initial: TokenSet,
  mint: (count: number, now: number) => TokenSet = (count) => ({ accessToken: `access-${count}` }),
): {
  readonly clock: { now: number };
  readonly seen: Array<string | undefined>;
  readonly statuses: number[];
  readonly refreshCount: () => number;
  readonly get: () => Promise<unknown>;
} {
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
  return { clock, seen, statuses, refreshCount: () => refreshCalls.length, get: () => api.get('/me') };
}

describe('proactive refresh', () => {
  it('refreshes before sending when the token set expires within the leeway', async () => {
    const client = proactive({ accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: START + 10_000 });

    await client.get();

    expect(client.refreshCount()).toBe(1);
    expect(client.seen).toEqual(['access-1']);
    expect(client.statuses).not.toContain(401);
  });

  it('refreshes before sending once the clock reaches the leeway of a known expiry', async () => {
    const client = proactive({ accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: START + 300_000 });

    await client.get();
    client.clock.now = START + 300_000 - 20_000;
    await client.get();

    expect(client.refreshCount()).toBe(1);
    expect(client.seen).toEqual(['access-0', 'access-1']);
    expect(client.statuses).not.toContain(401);
  });

  it('refreshes before sending when a JWT access token expires within the leeway', async () => {
    const token = jwt({ iat: seconds(START) - 890, exp: seconds(START) + 10 });
    const client = proactive({ accessToken: token, refreshToken: 'refresh-0' });

    await client.get();

    expect(client.refreshCount()).toBe(1);
    expect(client.seen).toEqual(['access-1']);
    expect(client.statuses).not.toContain(401);
  });

  it('refreshes before sending once the clock reaches the leeway of a JWT access token', async () => {
    const token = jwt({ iat: seconds(START), exp: seconds(START) + 300 });
    const client = proactive({ accessToken: token, refreshToken: 'refresh-0' });

    await client.get();
    client.clock.now = START + 280_000;
    await client.get();

    expect(client.refreshCount()).toBe(1);
    expect(client.seen).toEqual([token, 'access-1']);
    expect(client.statuses).not.toContain(401);
  });

  it('does not refresh a JWT access token whose expiry is far away', async () => {
    const token = jwt({ iat: seconds(START), exp: seconds(START) + 3600 });
    const client = proactive({ accessToken: token, refreshToken: 'refresh-0' });

    await client.get();
    client.clock.now = START + 60_000;
    await client.get();

    expect(client.refreshCount()).toBe(0);
    expect(client.seen).toEqual([token, token]);
  });

  it('never refreshes an opaque token ahead, however far the clock moves', async () => {
    const client = proactive({ accessToken: 'opaque-0', refreshToken: 'refresh-0' });

    client.clock.now = START + 365 * 24 * 3_600_000;
    await client.get();

    expect(client.refreshCount()).toBe(0);
    expect(client.seen).toEqual(['opaque-0']);
  });

  it('refreshes an opaque token when the server answers 401', async () => {
    const { api, mock, refreshCalls } = setup({ now: () => START }, { accessToken: 'opaque-0', refreshToken: 'refresh-0' });
    const seen: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      return tokenOf(config) === 'access-1' ? [200, {}] : [401, {}];
    });

    await api.get('/me');

    expect(refreshCalls).toHaveLength(1);
    expect(seen).toEqual(['opaque-0', 'access-1']);
  });

  it.each(['a.b.c', 'x.!!!.y', `${jwt({ exp: 1 }).split('.')[0] ?? ''}.bm90IGpzb24.sig`])(
    'treats the malformed JWT %s as an opaque token without throwing',
    async (token) => {
      const client = proactive({ accessToken: token, refreshToken: 'refresh-0' });

      client.clock.now = START + 365 * 24 * 3_600_000;
      await expect(client.get()).resolves.toBeDefined();

      expect(client.refreshCount()).toBe(0);
      expect(client.seen).toEqual([token]);
    },
  );

  it('accepts a malformed JWT through setTokens and refreshes it on a 401', async () => {
    const { api, mock, auth, refreshCalls } = setup({ now: () => START }, null);
    const seen: Array<string | undefined> = [];
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      return tokenOf(config) === 'access-1' ? [200, {}] : [401, {}];
    });

    await expect(auth.setTokens({ accessToken: 'x.!!!.y', refreshToken: 'refresh-0' })).resolves.toBeUndefined();
    await api.get('/me');

    expect(refreshCalls).toHaveLength(1);
    expect(seen).toEqual(['x.!!!.y', 'access-1']);
  });

  it('caps the leeway at half the lifetime of a refreshed token, so a short-lived token is not refreshed on the next request but half its lifetime later', async () => {
    const client = proactive({ accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: START - 1 }, (count, now) => ({
      accessToken: jwt({ jti: count, iat: seconds(now), exp: seconds(now) + 4 }),
    }));

    await client.get();
    expect(client.refreshCount()).toBe(1);
    const refreshed = client.seen[0];
    expect(refreshed).not.toBe('access-0');

    client.clock.now += 500;
    await client.get();

    expect(client.refreshCount()).toBe(1);
    expect(client.seen).toEqual([refreshed, refreshed]);

    // Half its 4 s lifetime later, it is refreshed ahead.
    client.clock.now += 2_000;
    await client.get();
    expect(client.refreshCount()).toBe(2);
    expect(client.seen).toHaveLength(3);
    expect(client.seen[2]).not.toBe(refreshed);
    expect(client.statuses).not.toContain(401);
  });

  it.each([
    { label: 'with iat', claims: (server: number) => ({ iat: seconds(server), exp: seconds(server) + 300 }) },
    { label: 'without iat', claims: (server: number) => ({ exp: seconds(server) + 300 }) },
  ])('makes at most one refresh over 20 requests when the local clock is 10 minutes ahead of the server ($label)', async ({ claims }) => {
    const skew = 600_000;
    const client = proactive(
      { accessToken: jwt(claims(START - skew - 400_000)), refreshToken: 'refresh-0' },
      (count, now) => ({ accessToken: jwt({ jti: count, ...claims(now - skew) }) }),
    );

    for (let request = 0; request < 20; request += 1) {
      await client.get();
      client.clock.now += 1_000;
    }

    expect(client.refreshCount()).toBeLessThanOrEqual(1);
    expect(client.seen).toHaveLength(20);
  });
});
