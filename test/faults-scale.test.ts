import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import type { TokenSet } from '../src/index.js';
import { deferred, flush, setup, tokenOf } from './helpers.js';

/**
 * The garbage collector of this worker. Vitest starts its workers without `--expose-gc`, and its
 * execArgv applies to every file; setting the flag at run time and reading `gc` from a fresh
 * context gives this file alone a collector to call.
 */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const COUNT = 10_000;
const SAMPLE = 100;

describe('fault matrix: scale', () => {
  test('10,000 requests queued behind one refresh → one refresh, all settle with the new token, none retained', async () => {
    const gc = collector();
    const answer = deferred<TokenSet>();
    const { api, mock, auth, refreshCalls } = setup({ refresh: () => answer.promise });
    let sentStale = 0;
    let sentFresh = 0;
    mock.onGet('/data').reply((config) => {
      if (tokenOf(config) !== 'access-1') {
        sentStale += 1;
        return [401];
      }
      sentFresh += 1;
      return [200, { ok: true }];
    });

    const refs: Array<WeakRef<object>> = [];
    let settled = 0;
    let failed = 0;
    await (async () => {
      // Half get a 401 with the old token and wait to be replayed; half are made while the refresh
      // runs and wait before being sent.
      const requests = Array.from({ length: COUNT / 2 }, (_, n) => api.get('/data', { params: { n } }));
      await flush();
      expect(refreshCalls).toHaveLength(1);
      for (let n = COUNT / 2; n < COUNT; n += 1) requests.push(api.get('/data', { params: { n } }));
      await flush();
      expect(sentStale).toBe(COUNT / 2);
      expect(sentFresh).toBe(0);

      answer.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1' });
      const responses = await Promise.all(
        requests.map((request) =>
          request.then(
            (response) => {
              settled += 1;
              return response;
            },
            (error: unknown) => {
              failed += 1;
              throw error;
            },
          ),
        ),
      );
      for (let i = 0; i < COUNT; i += COUNT / SAMPLE) {
        const response = responses[i];
        const request = requests[i];
        if (response && request) refs.push(new WeakRef(response.config), new WeakRef(response), new WeakRef(request));
      }
    })();

    expect(settled).toBe(COUNT);
    expect(failed).toBe(0);
    expect(refreshCalls).toHaveLength(1);
    expect(sentStale).toBe(COUNT / 2);
    expect(sentFresh).toBe(COUNT);
    expect(auth.getTokens()?.accessToken).toBe('access-1');

    // What the test itself holds goes; only the library could still keep a request alive.
    mock.resetHistory();
    refreshCalls.length = 0;
    await flush();
    gc();
    await flush();
    gc();

    expect(refs).toHaveLength(3 * SAMPLE);
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
  });
});
