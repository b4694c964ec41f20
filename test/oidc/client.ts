/**
 * What the tests against oidc-provider (test/oidc.test.ts, test/oauth2-oidc.test.ts) use on the
 * client side: waiting for a token's expiry, counting events, and naming a request's outcome.
 */
import { isAxiosError } from 'axios';
import type { AxiosResponse } from 'axios';
import { decodeJwt } from 'jose';
import { isRefreshError } from '../../src/index.js';
import { deferred } from '../helpers.js';

/** When the provider stops accepting `accessToken` (its `exp`), in milliseconds since the epoch. */
export const expiryOf = (accessToken: string): number => (decodeJwt(accessToken).exp ?? 0) * 1000;

export const sleepUntil = (at: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

/** Counts events; `reached(n)` resolves once `n` were counted. */
export function counter(): { tick(): void; reached(count: number): Promise<void> } {
  let seen = 0;
  const waiting: { count: number; resolve(): void }[] = [];
  return {
    tick() {
      seen += 1;
      for (const waiter of waiting) if (seen >= waiter.count) waiter.resolve();
    },
    reached(count) {
      if (seen >= count) return Promise.resolve();
      const done = deferred();
      waiting.push({ count, resolve: () => done.resolve() });
      return done.promise;
    },
  };
}

/** A request's outcome: its status, the `RefreshError` code, or the failure's message. */
export function outcomeOf(result: PromiseSettledResult<AxiosResponse<unknown>>): number | string {
  if (result.status === 'fulfilled') return result.value.status;
  const reason: unknown = result.reason;
  if (isRefreshError(reason)) return reason.code;
  if (isAxiosError(reason)) return reason.response ? `HTTP ${reason.response.status}` : reason.message;
  return String(reason);
}
