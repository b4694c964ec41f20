import { describe, expect, test, vi } from 'vitest';
import type { LogoutEvent, RefreshInterceptorHandle, TokenSet } from '../src/index.js';
import { deferred, flush, setup, tokenOf } from './helpers.js';
import { expectRefreshError, track } from './faults/support.js';
import type { Outcome } from './faults/support.js';

const REFRESHED: TokenSet = { accessToken: 'access-1', refreshToken: 'refresh-1' };
const USER_B: TokenSet = { accessToken: 'session-b', refreshToken: 'refresh-b' };

/** One request the resource server answered: which request, with which token, after the action or not. */
interface Hit {
  readonly n: number;
  readonly token: string | undefined;
  readonly afterAction: boolean;
}

interface Scene {
  readonly auth: RefreshInterceptorHandle;
  readonly answer: { resolve(tokens: TokenSet): void };
  /** Ends the session (the action under test); records that it happened. */
  readonly act: () => void;
  /** Starts request `n` to `/data`; its outcome lands in `requests[n]`. */
  readonly send: (n: number) => void;
  /** Called by the resource server on every request, before it answers. */
  onHit?: (hit: Hit) => void;
}

/**
 * The points of a refresh at which the session can end. Request 1 gets a 401 and starts the
 * refresh; requests 2 and 3, where present, are made while it runs and wait before being sent.
 */
const points: ReadonlyArray<{
  readonly point: string;
  readonly run: (scene: Scene) => Promise<void>;
  /** Requests that waited on the refresh and must reject with SESSION_ENDED. */
  readonly ended: readonly number[];
  /** Requests that were sent with the refreshed token before the action, and succeed. */
  readonly succeeded: readonly number[];
  /** Whether the `refresh` option is ever called. */
  readonly refreshCalled: boolean;
  /** Whether the refresh was still under way, so that its signal is aborted. */
  readonly aborted: boolean;
}> = [
  {
    point: 'before the refresh option is called',
    run: async ({ auth, answer, act, send }) => {
      auth.subscribe((event) => {
        if (event.type === 'refreshing') act();
      });
      send(1);
      await flush();
      answer.resolve(REFRESHED);
    },
    ended: [1],
    succeeded: [],
    refreshCalled: false,
    aborted: true,
  },
  {
    point: 'while the refresh call is pending',
    run: async ({ answer, act, send }) => {
      send(1);
      await flush();
      send(2);
      await flush();
      act();
      await flush();
      answer.resolve(REFRESHED);
    },
    ended: [1, 2],
    succeeded: [],
    refreshCalled: true,
    aborted: true,
  },
  {
    point: 'when the refresh answer has arrived but is not yet taken',
    run: async ({ answer, act, send }) => {
      send(1);
      await flush();
      send(2);
      await flush();
      answer.resolve(REFRESHED);
      act();
    },
    ended: [1, 2],
    succeeded: [],
    refreshCalled: true,
    aborted: true,
  },
  {
    point: 'after the new tokens were stored, before the waiters resumed',
    run: async ({ auth, answer, act, send }) => {
      auth.subscribe((event) => {
        if (event.type === 'refreshed') act();
      });
      send(1);
      await flush();
      send(2);
      await flush();
      answer.resolve(REFRESHED);
    },
    ended: [1, 2],
    succeeded: [],
    refreshCalled: true,
    aborted: true,
  },
  {
    point: 'while the waiters resume (from inside the first request sent with the new token)',
    run: async (scene) => {
      const { answer, act, send } = scene;
      scene.onHit = (hit) => {
        if (hit.token === REFRESHED.accessToken) act();
      };
      send(1);
      await flush();
      send(2);
      send(3);
      await flush();
      answer.resolve(REFRESHED);
    },
    // Request 1 (replayed in the library's adapter) resumes first and is sent with access-1; the
    // others must not follow it.
    ended: [2, 3],
    succeeded: [1],
    refreshCalled: true,
    aborted: false,
  },
];

const actions: ReadonlyArray<{
  readonly action: string;
  readonly perform: (auth: RefreshInterceptorHandle) => Promise<void>;
  readonly after: TokenSet | null;
}> = [
  { action: 'logout()', perform: (auth) => auth.logout(), after: null },
  { action: 'setTokens() for another user', perform: (auth) => auth.setTokens(USER_B), after: USER_B },
];

describe.each(actions)('fault matrix: $action at every point of a refresh', ({ perform, after }) => {
  test.each(points)('$point: the refresh result is discarded and no waiting request is sent with any later token', async ({ run, ended, succeeded, refreshCalled, aborted }) => {
    const answer = deferred<TokenSet>();
    const onLogout = vi.fn<(event: LogoutEvent) => void>();
    const { api, mock, auth, refreshCalls } = setup({ refresh: () => answer.promise, onLogout });
    const hits: Hit[] = [];
    const requests: Outcome[] = [];
    let acted = false;
    let performed: Promise<void> | undefined;
    const scene: Scene = {
      auth,
      answer,
      act: () => {
        if (acted) return;
        acted = true;
        performed = perform(auth);
      },
      send: (n) => {
        requests[n] = track(api.get('/data', { params: { n } }));
      },
    };
    mock.onGet('/data').reply((config) => {
      const hit: Hit = { n: Number((config.params as { n?: unknown } | undefined)?.n), token: tokenOf(config), afterAction: acted };
      hits.push(hit);
      scene.onHit?.(hit);
      return hit.token === REFRESHED.accessToken || hit.token === USER_B.accessToken ? [200, { token: hit.token }] : [401];
    });

    await run(scene);
    await flush();
    await performed;

    expect(acted).toBe(true);
    expect(refreshCalls).toHaveLength(refreshCalled ? 1 : 0);
    for (const call of refreshCalls) expect(call.signal.aborted).toBe(aborted);
    expect(auth.getTokens()).toEqual(after);
    expect(onLogout).toHaveBeenCalledTimes(after === null ? 1 : 0);
    for (const n of ended) {
      expect(requests[n]?.settled, `request ${n} settled`).toBe(true);
      expectRefreshError(requests[n]?.error, 'SESSION_ENDED');
    }
    for (const n of succeeded) expect(requests[n]?.value).toMatchObject({ data: { token: REFRESHED.accessToken } });
    expect(requests.filter(Boolean)).toHaveLength(ended.length + succeeded.length);
    // Nothing that waited goes out after the action, neither with the old session's tokens nor the new one's.
    expect(hits.filter((hit) => hit.afterAction)).toEqual([]);
    expect(hits.filter((hit) => !hit.afterAction).map((hit) => hit.token)).toEqual([
      'access-0',
      ...succeeded.map(() => REFRESHED.accessToken),
    ]);

    // Afterwards requests go out as the new state says: without a token, or with the new user's.
    const later = track(api.get('/data', { params: { n: 9 } }));
    await flush();
    expect(hits.at(-1)).toEqual({ n: 9, token: after?.accessToken, afterAction: true });
    expect(later.settled).toBe(true);
    expect(refreshCalls).toHaveLength(refreshCalled ? 1 : 0);
  });
});
