import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { REFRESH_TIMEOUT, commandsArbitrary, eventLoopScheduler, outcomesArbitrary, runScenario } from './model/scenario.js';
import type { Clock } from './model/scheduled-transport.js';

/**
 * Runs of the property: about 4 s on 2 cores. Every deliberately broken variant of the library
 * tried was caught within 500 runs.
 */
const NUM_RUNS = 2000;

// The refresh timeout is the library's only timer. fast-check's scheduler releases promises, not
// timers, so setTimeout is faked and the passing of `refreshTimeout` is itself a scheduled event
// (see the transport). `flush` (setImmediate) stays real: each event runs to quiescence.
const clock: Clock = {
  pass: () => vi.advanceTimersByTime(REFRESH_TIMEOUT),
  pending: () => vi.getTimerCount(),
};

describe('any interleaving of requests, refreshes, aborts and session changes', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('keeps every invariant whatever order answers, refresh outcomes, timeouts and aborts settle in', async () => {
    /** How often each interesting state was reached, over all runs. */
    const reached = new Map<string, number>();

    await fc.assert(
      fc.asyncProperty(eventLoopScheduler(), commandsArbitrary, outcomesArbitrary, async (s, commands, outcomes) => {
        vi.clearAllTimers();
        const run = await runScenario(s, commands, outcomes, clock);
        const { sends } = run;

        expect(run.maxRefreshesInFlight, 'at most one refresh in flight').toBeLessThanOrEqual(1);
        expect(run.refreshCalls, 'refresh calls <= stale tokens seen + forced refreshes + refreshes that brought no tokens')
          .toBeLessThanOrEqual(run.staleTokensSeen + run.forcedRefreshes + run.refreshesWithoutTokens);
        expect(run.reuseDetected, 'a rotated refresh token is never presented again').toBe(0);
        expect(sends.filter((send) => send.stale), 'no request sent with a token known to be stale').toEqual([]);
        expect(sends.filter((send) => send.ofEndedSession), 'no token sent once its session ended').toEqual([]);
        expect(sends.filter((send) => send.otherSession), "a replay never carries another session's token").toEqual([]);
        expect(sends.filter((send) => send.flag === 'skipAuth' && send.token !== undefined), 'skipAuth sends no token').toEqual([]);
        expect(run.unsettled, 'every request and handle call settles').toEqual([]);
        expect(run.timersAfterEject.filter((count) => count > 0), 'no timer pending after eject()').toEqual([]);
        expect([...run.onLogoutCalls.values()].filter((calls) => calls > 1), 'onLogout at most once per session').toEqual([]);
        expect(run.spuriousSessionEnded, 'SESSION_ENDED only when a session ended after the request was made').toEqual([]);
        expect(
          sends.filter((send) => send.attempt > (send.flag === 'none' ? 2 : 1)),
          'a request reaches the transport at most twice (once with a skip flag)',
        ).toEqual([]);
        expect(sends.filter((send) => send.afterAbort), 'an aborted request never reaches the transport after its abort').toEqual([]);
        expect(
          run.queuedAborts.filter((abort) => !abort.settledAtOnce || !abort.cancelled),
          'an abort while queued rejects the request at once as a cancellation',
        ).toEqual([]);

        for (const [state, count] of Object.entries(run.reached)) reached.set(state, (reached.get(state) ?? 0) + count);
      }),
      { numRuns: NUM_RUNS },
    );

    // The races were actually run, not only the easy orderings.
    expect([...reached.keys()]).toHaveLength(6);
    for (const [state, count] of reached) expect(count, state).toBeGreaterThan(0);
  });
});
