import { describe, expect, test } from 'vitest';
import type { TokenSet } from '../src/index.js';
import { deferred, flush, setup, tokenOf } from './helpers.js';
import type { Deferred } from './helpers.js';

type Reply = [number, unknown?];

/**
 * Answers `GET /<name>`: the first attempt of each name waits for the reply the test gives it
 * through `hold(name)`; later attempts answer 200 with the token they carried.
 */
function holdFirstReplies(mock: ReturnType<typeof setup>['mock']) {
  const held = new Map<string, Deferred<Reply>>();
  const seen: string[] = [];
  mock.onGet(/^\/\w+$/).reply(async (config) => {
    const name = String(config.url).slice(1);
    const token = tokenOf(config);
    const attempt = seen.filter((entry) => entry.startsWith(`${name} `)).length + 1;
    seen.push(`${name} ${String(token)}`);
    if (attempt === 1) {
      const reply = deferred<Reply>();
      held.set(name, reply);
      return reply.promise;
    }
    return [200, { name, attempt, token }];
  });
  const hold = (name: string): Deferred<Reply> => {
    const reply = held.get(name);
    if (!reply) throw new Error(`no request /${name} is waiting for its reply`);
    return reply;
  };
  return { seen, hold };
}

describe('a 401 that arrives after the refresh', () => {
  test('replays a request sent with the old token with the current token, without a second refresh', async () => {
    const { api, mock, auth, refreshCalls } = setup();
    const { seen, hold } = holdFirstReplies(mock);

    const a = api.get('/a');
    const b = api.get('/b');
    await flush();
    expect(seen).toEqual(['a access-0', 'b access-0']);

    hold('a').resolve([401]);
    await expect(a).resolves.toMatchObject({ data: { name: 'a', attempt: 2, token: 'access-1' } });
    expect(refreshCalls).toHaveLength(1);
    expect(auth.getTokens()?.accessToken).toBe('access-1');

    hold('b').resolve([401]);
    await expect(b).resolves.toMatchObject({ data: { name: 'b', attempt: 2, token: 'access-1' } });

    expect(refreshCalls).toHaveLength(1);
    expect(seen).toEqual(['a access-0', 'b access-0', 'a access-1', 'b access-1']);
  });

  test('a late 401 arriving during a newer refresh waits for it and is replayed once with the newest token', async () => {
    const refreshes: Deferred<TokenSet>[] = [];
    const { api, mock, refreshCalls } = setup({
      refresh: () => {
        const answer = deferred<TokenSet>();
        refreshes.push(answer);
        return answer.promise;
      },
    });
    const { seen, hold } = holdFirstReplies(mock);

    const a = api.get('/a');
    const b = api.get('/b');
    await flush();
    hold('a').resolve([401]);
    await flush();
    refreshes[0]?.resolve({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    await expect(a).resolves.toMatchObject({ data: { token: 'access-1' } });

    const c = api.get('/c');
    await flush();
    expect(seen.at(-1)).toBe('c access-1');
    hold('c').resolve([401]);
    await flush();
    expect(refreshCalls).toHaveLength(2);
    expect(refreshCalls[1]?.refreshToken).toBe('refresh-1');

    hold('b').resolve([401]);
    await flush();
    expect(seen.filter((entry) => entry.startsWith('b '))).toEqual(['b access-0']);

    refreshes[1]?.resolve({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await expect(b).resolves.toMatchObject({ data: { name: 'b', attempt: 2, token: 'access-2' } });
    await expect(c).resolves.toMatchObject({ data: { name: 'c', attempt: 2, token: 'access-2' } });

    expect(refreshCalls).toHaveLength(2);
    expect(seen.filter((entry) => entry.startsWith('b '))).toEqual(['b access-0', 'b access-2']);
  });

  test('returns a late 401 from a previous session unchanged instead of replaying it with the token of the new session', async () => {
    const { api, mock, auth, refreshCalls } = setup();
    const { seen, hold } = holdFirstReplies(mock);

    const old = api.get('/old');
    await flush();
    await auth.setTokens({ accessToken: 'session-2', refreshToken: 'session-2-refresh' });
    hold('old').resolve([401, { error: 'expired' }]);

    const error: unknown = await old.catch((reason: unknown) => reason);
    expect(error).toMatchObject({ response: { status: 401, data: { error: 'expired' } } });
    expect(refreshCalls).toHaveLength(0);
    expect(seen).toEqual(['old access-0']);
    expect(auth.getTokens()).toEqual({ accessToken: 'session-2', refreshToken: 'session-2-refresh' });
  });
});
