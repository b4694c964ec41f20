import { afterEach, describe, expect, it, vi } from 'vitest';
import { RefreshError } from '../src/index.js';
import type { SessionEvent } from '../src/index.js';
import { flush, setup, tokenOf } from './helpers.js';

function record(subscribe: (listener: (event: SessionEvent) => void) => () => void): {
  readonly events: SessionEvent[];
  readonly unsubscribe: () => void;
} {
  const events: SessionEvent[] = [];
  const unsubscribe = subscribe((event) => {
    events.push(event);
  });
  return { events, unsubscribe };
}

const rejection = (status: number): Error => Object.assign(new Error(`refresh endpoint answered ${status}`), { status });

afterEach(() => {
  vi.useRealTimers();
});

describe('subscribe', () => {
  it('reports set with the tokens on setTokens', async () => {
    const { auth } = setup({}, null);
    const { events } = record(auth.subscribe);

    await auth.setTokens({ accessToken: 'access-a', refreshToken: 'refresh-a' });

    expect(events).toEqual([{ type: 'set', tokens: { accessToken: 'access-a', refreshToken: 'refresh-a' } }]);
    expect((events[0] as { tokens: unknown }).tokens).toBe(auth.getTokens());
  });

  it('reports refreshing then refreshed with the new tokens on a refresh', async () => {
    const { auth } = setup();
    const { events } = record(auth.subscribe);

    const tokens = await auth.refresh({ force: true });

    expect(events).toEqual([{ type: 'refreshing' }, { type: 'refreshed', tokens }]);
    expect(tokens).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-1' });
  });

  it('reports refreshing then refreshed when a 401 makes a request refresh', async () => {
    const { api, mock, auth } = setup();
    mock.onGet('/me').reply((config) => (tokenOf(config) === 'access-1' ? [200, {}] : [401, {}]));
    const { events } = record(auth.subscribe);

    await api.get('/me');

    expect(events).toEqual([
      { type: 'refreshing' },
      { type: 'refreshed', tokens: { accessToken: 'access-1', refreshToken: 'refresh-1' } },
    ]);
  });

  it('reports refreshing then refresh-failed with the RefreshError on a transient failure', async () => {
    const cause = new Error('network down');
    const { auth } = setup({ refresh: () => Promise.reject(cause) });
    const { events } = record(auth.subscribe);

    const error: unknown = await auth.refresh({ force: true }).catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(RefreshError);
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual({ type: 'refreshing' });
    expect(events[1]).toMatchObject({ type: 'refresh-failed' });
    const failed = events[1] as Extract<SessionEvent, { type: 'refresh-failed' }>;
    expect(failed.error).toBe(error);
    expect(failed.error.code).toBe('REFRESH_FAILED');
    expect(failed.error.cause).toBe(cause);
    expect(auth.getTokens()).not.toBeNull();
  });

  it('reports logout with reason logout on logout()', async () => {
    const { auth } = setup();
    const { events } = record(auth.subscribe);

    await auth.logout();

    expect(events).toEqual([{ type: 'logout', reason: 'logout' }]);
  });

  it('reports refreshing then logout with reason refresh-rejected and the error when the refresh is rejected', async () => {
    const cause = rejection(400);
    const { auth } = setup({ refresh: () => Promise.reject(cause) });
    const { events } = record(auth.subscribe);

    const error: unknown = await auth.refresh({ force: true }).catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(RefreshError);
    expect((error as RefreshError).code).toBe('REFRESH_REJECTED');
    expect(events).toEqual([{ type: 'refreshing' }, { type: 'logout', reason: 'refresh-rejected', error }]);
    expect((events[1] as { error?: unknown }).error).toBe(error);
  });

  it('stops delivering events after unsubscribe', async () => {
    const { auth } = setup();
    const { events, unsubscribe } = record(auth.subscribe);
    const other = record(auth.subscribe);

    await auth.setTokens({ accessToken: 'access-a' });
    unsubscribe();
    unsubscribe();
    await auth.refresh({ force: true });
    await auth.logout();

    expect(events.map((event) => event.type)).toEqual(['set']);
    expect(other.events.map((event) => event.type)).toEqual(['set', 'refreshing', 'refreshed', 'logout']);
  });

  it('delivers to the other listeners and keeps the session working when a listener throws, rethrowing its error on its own', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { api, mock, auth } = setup();
    mock.onGet('/me').reply((config) => (tokenOf(config) === 'access-1' ? [200, { ok: true }] : [401, {}]));
    const boom = new Error('listener failed');
    const before = record(auth.subscribe);
    auth.subscribe(() => {
      throw boom;
    });
    const after = record(auth.subscribe);

    await expect(auth.setTokens({ accessToken: 'access-a', refreshToken: 'refresh-a' })).resolves.toBeUndefined();
    const response = await api.get('/me');
    await flush();

    expect(response.data).toEqual({ ok: true });
    expect(auth.getTokens()).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const types = ['set', 'refreshing', 'refreshed'];
    expect(before.events.map((event) => event.type)).toEqual(types);
    expect(after.events.map((event) => event.type)).toEqual(types);

    // Each throw is reported on its own timer turn: one per event, each rethrowing the listener's error.
    expect(vi.getTimerCount()).toBe(3);
    for (let turn = 0; turn < 3; turn += 1) {
      expect(() => vi.advanceTimersToNextTimer()).toThrow(boom);
    }
    expect(vi.getTimerCount()).toBe(0);
  });
});
