/**
 * A small driver to profile one contender in one scenario, for `node --cpu-prof` or heap snapshots.
 *
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof test/bench/profile.ts overhead library
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof test/bench/profile.ts herd library
 *   node --import tsx test/bench/profile.ts herd library --snapshot --count 4000
 *     (a heap snapshot, written to the current directory, once the server has answered every
 *     first attempt: the peak of a herd)
 *
 * Scenarios: `overhead` (sequential GETs through axios-mock-adapter), `valid`, `herd` (stale opaque
 * token), `proactive` (expired JWT). Contenders: bare, library, axios-auth-refresh, replay.
 *
 * tsx hands V8 transformed code, so profile positions are not source lines. For file:line figures,
 * bundle the driver with a source map and map the profile's call frames through it:
 *
 *   npx esbuild test/bench/profile.ts --bundle --platform=node --format=esm --packages=external \
 *     --sourcemap --outfile=node_modules/.cache/bench/profile.mjs
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof node_modules/.cache/bench/profile.mjs overhead library
 */
import http from 'node:http';
import { writeHeapSnapshot } from 'node:v8';
import axios from 'axios';
import type { InternalAxiosRequestConfig } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { createContender } from './contenders.js';
import type { Key } from './contenders.js';
import { jwt, startServer } from './server.js';

const [scenario = 'herd', key = 'library', ...rest] = process.argv.slice(2);
const keys: readonly string[] = ['bare', 'library', 'axios-auth-refresh', 'replay'];
if (!keys.includes(key)) throw new TypeError(`contender must be one of ${keys.join(', ')}; received ${key}`);
const contenderKey = key as Key;
const countIndex = rest.indexOf('--count');
const seconds = (): number => Math.floor(Date.now() / 1000);
const valid = jwt({ sub: 'bench', iat: seconds(), exp: seconds() + 3600 });

if (scenario === 'overhead') {
  const count = countIndex >= 0 ? Number(rest[countIndex + 1]) : 200_000;
  const noRefresh = axios.create({ adapter: () => Promise.reject(new Error('no refresh in this scenario')) });
  const contender = createContender(contenderKey, { baseURL: 'https://api.example.test' }, noRefresh);
  const mock = new MockAdapter(contender.api as unknown as ConstructorParameters<typeof MockAdapter>[0]);
  mock
    .onGet('/items')
    .reply((config) =>
      (config.headers as InternalAxiosRequestConfig['headers'] | undefined)?.Authorization === `Bearer ${valid}`
        ? [200, { ok: true }]
        : [401, { error: 'invalid_token' }],
    );
  await contender.setToken(valid);
  const start = performance.now();
  for (let i = 0; i < count; i += 1) await contender.api.get('/items');
  console.log(`${key} overhead: ${((1000 * (performance.now() - start)) / count).toFixed(2)} µs/request`);
} else {
  const count = countIndex >= 0 ? Number(rest[countIndex + 1]) : 10_000;
  const tokens: Record<string, string> = {
    valid,
    herd: 'stale-opaque-token',
    proactive: jwt({ sub: 'bench', iat: seconds() - 3660, exp: seconds() - 60 }),
  };
  const token = tokens[scenario];
  if (token === undefined) throw new TypeError(`unknown scenario ${scenario}`);
  const server = await startServer();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const refreshClient = axios.create({ baseURL: server.url, httpAgent: new http.Agent({ keepAlive: true }), proxy: false });
  const contender = createContender(contenderKey, { baseURL: server.url, httpAgent: agent, proxy: false }, refreshClient);
  for (const round of [Math.ceil(count / 5), count]) {
    await server.reset([valid]);
    await contender.setToken(token);
    const start = performance.now();
    const requests: Promise<unknown>[] = [];
    for (let i = 0; i < round; i += 1) requests.push(contender.api.get('/items'));
    let snapshot: Promise<void> | undefined;
    if (rest.includes('--snapshot') && round === count) {
      snapshot = (async () => {
        for (;;) {
          const stats = await server.stats();
          if (stats.unauthorized >= count || stats.ok >= count) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        console.log(`heap snapshot: ${writeHeapSnapshot()}`);
      })();
    }
    const outcomes = await Promise.allSettled(requests);
    await snapshot;
    const stats = await server.stats();
    const ok = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
    console.log(
      `${key} ${scenario} ×${round}: ${(performance.now() - start).toFixed(0)} ms, ${ok} succeeded, ` +
        `${stats.refreshes} refreshes, ${stats.unauthorized}×401`,
    );
  }
  agent.destroy();
  await server.close();
}
