/**
 * `npm run bench`: this library against bare axios and axios-auth-refresh, in one process.
 *
 * Contenders run in alternating blocks (A B C, then B C A, …) over several rounds; every figure is
 * the median over rounds of a ratio taken within the round, so the machine's drift cancels out.
 * Prints a Markdown table and writes test/bench/results.json. Timing is never asserted: a missed
 * target is reported, and the run still succeeds.
 *
 *   npm run bench                          the full run (about 2–3 minutes on 2 cores)
 *   npm run bench -- --rounds 3            fewer rounds
 *   npm run bench -- --only overhead,size  some scenarios only (overhead, http, size); writes nothing
 *   npm run bench -- --quick               a smoke run (small counts; figures not meaningful)
 *   npm run bench -- --no-write            do not write results.json
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import type { InternalAxiosRequestConfig } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { NAMES, createContender } from './contenders.js';
import type { Contender, Key } from './contenders.js';
import { jwt, startServer } from './server.js';
import type { BenchServer } from './server.js';
import { leaksIntoCore, measureSizes, sizeTable } from './size.js';
import type { SizeRow } from './size.js';

/** The targets, from the issue. All are ratios to bare axios doing the same work. */
const TARGETS = {
  /** Sequential requests, valid token: CPU time ≤ this × bare axios's. */
  overhead: 1.05,
  /** Herd of stale-token requests: settle time ≤ this × bare axios's valid-token burst. */
  herdTime: 2.2,
  /** Herd: live heap growth ≤ this × the growth of bare axios's valid-token burst. */
  herdMemory: 1.5,
  /** Proactive herd (token known to be expired): settle time ≤ this × the valid-token burst. */
  proactiveTime: 1.1,
  /** Refresh calls a herd may cost. */
  refreshes: 1,
  /** 401 round trips a proactive herd may cost. */
  proactiveUnauthorized: 0,
} as const;

// `gc()` between blocks needs --expose-gc, and the npm script is fixed: run again with it.
if (typeof globalThis.gc !== 'function') {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', script, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}
const collect = globalThis.gc as () => void;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flag = (name: string, fallback: number): number => {
  const index = args.indexOf(name);
  const value = index >= 0 ? Number(args[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`);
  return value;
};
/** Rounds of the HTTP scenarios; the (cheaper, noisier) overhead scenario runs twice as many, plus one. */
const ROUNDS = flag('--rounds', quick ? 2 : 4);
const OVERHEAD_ROUNDS = 2 * ROUNDS + 1;
const SEQUENTIAL = flag('--sequential', quick ? 2_000 : 20_000);
const HERD = flag('--herd', quick ? 1_000 : 10_000);
const MAX_SOCKETS = 64;
const MOCK_BASE_URL = 'https://api.example.test';
const SCENARIOS = (() => {
  const index = args.indexOf('--only');
  return index >= 0 ? (args[index + 1] ?? '').split(',') : ['overhead', 'http', 'size'];
})();

/** The contenders compared throughout; `replay` is a reference row in the herd only. */
const KEYS = ['bare', 'library', 'axios-auth-refresh'] as const;
type MainKey = (typeof KEYS)[number];

/** `items` starting at `round`'s offset: each one leads in turn. */
const rotate = <T>(items: readonly T[], round: number): T[] => {
  const offset = round % items.length;
  return [...items.slice(offset), ...items.slice(0, offset)];
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** One figure over the rounds: its median and its range. */
interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

const spread = (values: readonly number[]): Spread => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

const now = (): number => performance.now();
/** CPU time of the whole process (every thread) in ms. */
const cpu = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// 1. Per-request overhead: sequential GETs through axios-mock-adapter with a valid token.

interface OverheadFigures {
  readonly microsecondsPerRequest: Record<MainKey, Spread>;
  readonly cpuMicrosecondsPerRequest: Record<MainKey, Spread>;
  /** CPU µs per request over bare axios's, same round. */
  readonly cpuMicrosecondsOverBare: Record<MainKey, Spread>;
  /** Wall time / bare axios's, same round. */
  readonly timeRatio: Record<MainKey, Spread>;
  /** CPU time / bare axios's, same round: the judged figure (wall time also measures the neighbours). */
  readonly cpuRatio: Record<MainKey, Spread>;
  readonly failed: Record<MainKey, number>;
}

async function overhead(): Promise<OverheadFigures> {
  const token = jwt({ sub: 'bench', iat: nowSeconds(), exp: nowSeconds() + 3600 });
  const expected = `Bearer ${token}`;
  const noRefresh = axios.create({ adapter: () => Promise.reject(new Error('no refresh in this scenario')) });
  const contenders = KEYS.map((key) => {
    const contender = { ...createContender(key, { baseURL: MOCK_BASE_URL }, noRefresh), key };
    const mock = new MockAdapter(contender.api as unknown as ConstructorParameters<typeof MockAdapter>[0]);
    mock
      .onGet('/items')
      .reply((config) =>
        (config.headers as InternalAxiosRequestConfig['headers'] | undefined)?.Authorization === expected
          ? [200, { ok: true }]
          : [401, { error: 'invalid_token' }],
      );
    return contender;
  });
  for (const contender of contenders) await contender.setToken(token);

  const block = async ({ api }: Contender, count: number): Promise<{ ms: number; cpuMs: number; failed: number }> => {
    collect();
    let failed = 0;
    const start = now();
    const startCpu = cpu();
    for (let i = 0; i < count; i += 1) {
      try {
        await api.get('/items');
      } catch {
        failed += 1;
      }
    }
    return { ms: now() - start, cpuMs: cpu() - startCpu, failed };
  };

  for (const contender of contenders) await block(contender, Math.ceil(SEQUENTIAL / 4)); // warm-up
  const rows = () => ({ bare: [] as number[], library: [] as number[], 'axios-auth-refresh': [] as number[] });
  const [wall, cpuTime, cpuOver, wallRatio, cpuRatio] = [rows(), rows(), rows(), rows(), rows()];
  const failed: Record<MainKey, number> = { bare: 0, library: 0, 'axios-auth-refresh': 0 };
  for (let round = 0; round < OVERHEAD_ROUNDS; round += 1) {
    const took = new Map<MainKey, { ms: number; cpuMs: number }>();
    for (const contender of rotate(contenders, round)) {
      const result = await block(contender, SEQUENTIAL);
      took.set(contender.key, result);
      failed[contender.key] += result.failed;
    }
    const bare = took.get('bare') as { ms: number; cpuMs: number };
    for (const key of KEYS) {
      const { ms, cpuMs } = took.get(key) as { ms: number; cpuMs: number };
      wall[key].push((1000 * ms) / SEQUENTIAL);
      cpuTime[key].push((1000 * cpuMs) / SEQUENTIAL);
      cpuOver[key].push((1000 * (cpuMs - bare.cpuMs)) / SEQUENTIAL);
      wallRatio[key].push(ms / bare.ms);
      cpuRatio[key].push(cpuMs / bare.cpuMs);
    }
    log(
      `  overhead round ${round + 1}/${OVERHEAD_ROUNDS} (CPU µs/request): ` +
        KEYS.map((key) => `${key} ${(cpuTime[key].at(-1) as number).toFixed(2)}`).join(', '),
    );
  }
  const figures = (source: Record<MainKey, number[]>): Record<MainKey, Spread> => ({
    bare: spread(source.bare),
    library: spread(source.library),
    'axios-auth-refresh': spread(source['axios-auth-refresh']),
  });
  return {
    microsecondsPerRequest: figures(wall),
    cpuMicrosecondsPerRequest: figures(cpuTime),
    cpuMicrosecondsOverBare: figures(cpuOver),
    timeRatio: figures(wallRatio),
    cpuRatio: figures(cpuRatio),
    failed,
  };
}

// ---------------------------------------------------------------------------------------------
// 2 and 3. Herds: concurrent GETs against a real HTTP server.

type HttpKind = 'valid' | 'herd' | 'proactive';

interface HttpRun {
  readonly ms: number;
  /** CPU time of the process, the server's thread included. */
  readonly cpuMs: number;
  readonly succeeded: number;
  readonly refreshes: number;
  readonly unauthorized: number;
  /** Peak RSS sampled every 5 ms, over the RSS before the run. */
  readonly rssGrowth: number;
  /** Live heap (after a full GC) at the peak of concurrency, over the heap before the run; memory round only. */
  readonly liveHeapGrowth: number;
}

interface HttpFigures {
  readonly contender: Key;
  readonly kind: HttpKind;
  readonly settleMs: Spread;
  /** Settle time / bare axios's valid-token burst in the same round. */
  readonly timeRatio: Spread;
  readonly cpuRatio: Spread;
  readonly succeeded: Spread;
  readonly refreshes: Spread;
  readonly unauthorized: Spread;
  readonly rssGrowthMB: Spread;
  readonly rssRatio: Spread;
  readonly liveHeapGrowthMB: number;
  /** Live heap growth / bare axios's valid-token burst's, in the memory round. */
  readonly liveHeapRatio: number;
}

async function herds(server: BenchServer): Promise<HttpFigures[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  // The refresh endpoint has connections of its own, as an authorization server would.
  const refreshAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const refreshClient = axios.create({ baseURL: server.url, httpAgent: refreshAgent, proxy: false });
  const contenders = new Map(
    [...KEYS, 'replay' as const].map((key) => [
      key,
      createContender(key, { baseURL: server.url, httpAgent: agent, proxy: false }, refreshClient),
    ]),
  );
  const valid = jwt({ sub: 'bench', iat: nowSeconds(), exp: nowSeconds() + 3600 });
  /** Not a JWT: only a 401 can tell it is stale. */
  const stale = 'stale-opaque-token';
  /** A JWT that expired a minute ago: its expiry is known before any request. */
  const expired = jwt({ sub: 'bench', iat: nowSeconds() - 3660, exp: nowSeconds() - 60 });
  const tokens: Record<HttpKind, string> = { valid, herd: stale, proactive: expired };

  /**
   * One burst of `count` concurrent GETs. With `probe`, the live heap is measured (a full GC each
   * time) once every request has reached axios's adapter, and each time the server has answered
   * another quarter of `count` GETs (first attempts and replays alike); the peak is the largest.
   * Those GCs would disturb the timing, so probing runs are not timed.
   */
  const block = async (key: Key, kind: HttpKind, count: number, probe = false): Promise<HttpRun> => {
    const contender = contenders.get(key) as Contender;
    const probes: number[] = [];
    collect();
    collect();
    const before = process.memoryUsage();
    const measureLive = (): void => {
      collect();
      probes.push(process.memoryUsage().heapUsed - before.heapUsed);
    };
    const quarters = Array.from({ length: 8 }, (_, index) => Math.round(((index + 1) * count) / 4));
    await server.reset([valid], probe ? { counts: [1, ...quarters], onAnswered: measureLive } : undefined);
    await contender.setToken(tokens[kind]);
    let peakRss = before.rss;
    const sample = (): void => {
      const rss = process.memoryUsage.rss();
      if (rss > peakRss) peakRss = rss;
    };
    const sampler = setInterval(sample, 5);
    const start = now();
    const startCpu = cpu();
    const requests: Promise<unknown>[] = [];
    for (let i = 0; i < count; i += 1) requests.push(contender.api.get('/items'));
    sample();
    if (probe) setImmediate(measureLive);
    const outcomes = await Promise.allSettled(requests);
    const ms = now() - start;
    const cpuMs = cpu() - startCpu;
    clearInterval(sampler);
    sample();
    const stats = await server.stats();
    return {
      ms,
      cpuMs,
      succeeded: outcomes.filter((outcome) => outcome.status === 'fulfilled').length,
      refreshes: stats.refreshes,
      unauthorized: stats.unauthorized,
      rssGrowth: peakRss - before.rss,
      liveHeapGrowth: Math.max(0, ...probes),
    };
  };

  const plan: readonly (readonly [Key, HttpKind])[] = [
    ['bare', 'valid'],
    ['library', 'valid'],
    ['axios-auth-refresh', 'valid'],
    ['library', 'herd'],
    ['axios-auth-refresh', 'herd'],
    ['replay', 'herd'],
    ['library', 'proactive'],
    ['axios-auth-refresh', 'proactive'],
  ];
  const name = (key: Key, kind: HttpKind): string => `${key}/${kind}`;
  for (const [key, kind] of plan) await block(key, kind, Math.ceil(HERD / 5)); // warm-up, sockets opened

  const runs = new Map<string, HttpRun[]>(plan.map(([key, kind]) => [name(key, kind), []]));
  const baselines: HttpRun[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const results = new Map<string, HttpRun>();
    for (const [key, kind] of rotate(plan, round)) {
      const run = await block(key, kind, HERD);
      results.set(name(key, kind), run);
      runs.get(name(key, kind))?.push(run);
    }
    baselines.push(results.get('bare/valid') as HttpRun);
    log(
      `  http round ${round + 1}/${ROUNDS}: ` +
        plan
          .map(([key, kind]) => {
            const run = results.get(name(key, kind)) as HttpRun;
            return `${name(key, kind)} ${run.ms.toFixed(0)} ms ${run.succeeded} ok ${run.refreshes} refresh ${run.unauthorized}×401`;
          })
          .join(', '),
    );
  }
  const live = new Map<string, number>();
  for (const [key, kind] of plan) live.set(name(key, kind), (await block(key, kind, HERD, true)).liveHeapGrowth);
  log(`  memory round: ${plan.map(([key, kind]) => `${name(key, kind)} ${((live.get(name(key, kind)) ?? 0) / MB).toFixed(0)} MB`).join(', ')}`);
  agent.destroy();
  refreshAgent.destroy();

  const bareLive = live.get('bare/valid') as number;
  return plan.map(([key, kind]) => {
    const list = runs.get(name(key, kind)) as HttpRun[];
    const per = (pick: (run: HttpRun, baseline: HttpRun) => number): Spread =>
      spread(list.map((run, round) => pick(run, baselines[round] as HttpRun)));
    const liveGrowth = live.get(name(key, kind)) as number;
    return {
      contender: key,
      kind,
      settleMs: per((run) => run.ms),
      timeRatio: per((run, baseline) => run.ms / baseline.ms),
      cpuRatio: per((run, baseline) => run.cpuMs / baseline.cpuMs),
      succeeded: per((run) => run.succeeded),
      refreshes: per((run) => run.refreshes),
      unauthorized: per((run) => run.unauthorized),
      rssGrowthMB: per((run) => run.rssGrowth / MB),
      rssRatio: per((run, baseline) => run.rssGrowth / Math.max(baseline.rssGrowth, 1)),
      liveHeapGrowthMB: liveGrowth / MB,
      liveHeapRatio: liveGrowth / Math.max(bareLive, 1),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Report.

interface Check {
  readonly figure: string;
  readonly value: number;
  readonly target: string;
  readonly met: boolean;
}

const checks: Check[] = [];
/** `text`, with ✓/✗ against the target; the check is recorded for the summary and the JSON. */
function judged(figure: string, value: number, text: string, op: '≤' | '=', limit: number): string {
  const met = op === '≤' ? value <= limit : value === limit;
  checks.push({ figure, value, target: `${op} ${limit}`, met });
  return `${text} ${met ? '✓' : '✗'} (${op} ${limit})`;
}

const fixed = (value: number, digits = 2): string => value.toFixed(digits);
const ranged = (value: Spread, digits = 0): string =>
  value.min === value.max
    ? fixed(value.median, digits)
    : `${fixed(value.median, digits)} (${fixed(value.min, digits)}–${fixed(value.max, digits)})`;

function overheadTable(figures: OverheadFigures): string {
  const rows = KEYS.map((key) => {
    const cpuRatio = figures.cpuRatio[key].median;
    const cpuText = `${fixed(cpuRatio, 3)}×`;
    const extra = figures.cpuMicrosecondsOverBare[key].median;
    return (
      `| ${NAMES[key]} | ${fixed(figures.cpuMicrosecondsPerRequest[key].median)} | ` +
      `${key === 'bare' ? '–' : `${extra >= 0 ? '+' : ''}${fixed(extra)}`} | ` +
      `${key === 'library' ? judged('overhead: CPU time / bare axios', cpuRatio, cpuText, '≤', TARGETS.overhead) : cpuText} | ` +
      `${fixed(figures.microsecondsPerRequest[key].median)} | ${fixed(figures.timeRatio[key].median, 3)}× | ${figures.failed[key]} |`
    );
  });
  return [
    `### 1. Per-request overhead: ${SEQUENTIAL.toLocaleString('en')} sequential GETs, axios-mock-adapter, valid token (a JWT)`,
    '',
    '| Contender | CPU µs/request | CPU µs over bare | CPU time / bare axios | wall µs/request | wall time / bare axios | failed |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

function httpTable(title: string, figures: readonly HttpFigures[], kinds: readonly HttpKind[]): string {
  const rows = figures
    .filter((figure) => kinds.includes(figure.kind))
    .map((figure) => {
      const judge = figure.contender === 'library' && figure.kind !== 'valid';
      const what = figure.kind;
      const label = what === 'valid' ? 'valid JWT' : what === 'herd' ? 'stale opaque' : 'expired JWT';
      const timeText = `${fixed(figure.timeRatio.median)}×`;
      const time = judge
        ? judged(`${what}: settle time / valid burst`, figure.timeRatio.median, timeText, '≤', what === 'herd' ? TARGETS.herdTime : TARGETS.proactiveTime)
        : timeText;
      const refreshes = judge
        ? judged(`${what}: refresh calls`, figure.refreshes.max, ranged(figure.refreshes), '=', TARGETS.refreshes)
        : ranged(figure.refreshes);
      const succeeded = judge
        ? judged(`${what}: requests succeeded`, figure.succeeded.min, ranged(figure.succeeded), '=', HERD)
        : ranged(figure.succeeded);
      const unauthorized =
        judge && what === 'proactive'
          ? judged('proactive: 401 round trips', figure.unauthorized.max, ranged(figure.unauthorized), '=', TARGETS.proactiveUnauthorized)
          : ranged(figure.unauthorized);
      const heapText = `${fixed(figure.liveHeapRatio)}×`;
      const heap =
        judge && what === 'herd' ? judged('herd: live heap growth / bare burst', figure.liveHeapRatio, heapText, '≤', TARGETS.herdMemory) : heapText;
      return (
        `| ${NAMES[figure.contender]} | ${label} | ${fixed(figure.settleMs.median, 0)} | ${time} | ${fixed(figure.cpuRatio.median)}× | ` +
        `${refreshes} | ${succeeded} | ${unauthorized} | ${fixed(figure.liveHeapGrowthMB, 0)} | ${heap} | ` +
        `${fixed(figure.rssGrowthMB.median, 0)} | ${fixed(figure.rssRatio.median)}× |`
      );
    });
  return [
    title,
    '',
    '| Contender | token | settle ms | time / bare valid burst | CPU / bare burst | refresh calls | succeeded | 401s answered | live heap MB | live heap / bare burst | RSS MB | RSS / bare burst |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

function sizeSection(rows: readonly SizeRow[]): string {
  for (const row of rows) {
    if (row.budget !== undefined) {
      checks.push({ figure: `size: ${row.name}, B min+gzip`, value: row.gzip, target: `≤ ${row.budget}`, met: row.gzip <= row.budget });
    }
  }
  for (const path of leaksIntoCore(rows)) {
    checks.push({ figure: `size: ${path} kept out of the core entry`, value: 1, target: '= 0', met: false });
  }
  return ['### 4. Size: esbuild, ESM, minified, axios external, gzip -9 (1 kB = 1000 B)', '', sizeTable(rows)].join('\n');
}

/** Four significant digits: enough for a README, stable enough for a diff. */
const rounded = (value: unknown): unknown => {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number(value.toPrecision(4));
  if (Array.isArray(value)) return value.map(rounded);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, rounded(entry)]));
  }
  return value;
};

async function main(): Promise<void> {
  const machine = {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    loadAverage: os.loadavg().map((load) => Number(load.toFixed(2))),
  };
  const date = new Date().toISOString();
  log(
    `bench: ${OVERHEAD_ROUNDS}/${ROUNDS} rounds, ${SEQUENTIAL} sequential, ${HERD} concurrent; ` +
      `node ${machine.node}, ${machine.cpu} × ${machine.cores}, load ${machine.loadAverage.join(' ')}`,
  );
  const started = now();

  const overheadFigures = SCENARIOS.includes('overhead') ? (log('1. per-request overhead'), await overhead()) : undefined;
  let httpFigures: HttpFigures[] | undefined;
  if (SCENARIOS.includes('http')) {
    log('2-3. herds against a local HTTP server');
    const server = await startServer();
    try {
      httpFigures = await herds(server);
    } finally {
      await server.close();
    }
  }
  const sizes = SCENARIOS.includes('size') ? (log('4. sizes'), await measureSizes()) : undefined;

  const sections = [
    '## Benchmarks',
    `node ${machine.node} on ${machine.cpu} (${machine.cores} cores), ${machine.platform}; ${date.slice(0, 10)}; ` +
      `load average ${machine.loadAverage[0]} at the start. Contenders alternate in blocks; each figure is the median ` +
      `over rounds (${OVERHEAD_ROUNDS} for overhead, ${ROUNDS} for herds) of the ratio taken within a round. ` +
      'Reproduce with `npm run bench`.',
  ];
  if (overheadFigures) {
    sections.push(
      overheadTable(overheadFigures),
      'The overhead target is judged on CPU time (process.cpuUsage): the loop is single-threaded CPU work, and ' +
        'wall time on a shared machine also measures the neighbours.',
    );
  }
  if (httpFigures) {
    sections.push(
      httpTable(
        `### 2. Herd: ${HERD.toLocaleString('en')} concurrent GETs, local HTTP server (keep-alive, ${MAX_SOCKETS} sockets), ` +
          'stale token answered 401',
        httpFigures,
        ['valid', 'herd'],
      ),
      'The last row is a reference, not a contender: bare axios plus the least a replay can do (one shared refresh, ' +
        '`instance.request(config)` once): what axios itself costs to replay a request.',
      httpTable(
        `### 3. Proactive herd: the same ${HERD.toLocaleString('en')} GETs, the access token a JWT whose \`exp\` has passed`,
        httpFigures,
        ['valid', 'proactive'],
      ),
      'Time is wall time until every request settled; CPU is the whole process\'s (the server\'s thread included). ' +
        'Live heap: the largest growth of the heap after a full GC, probed once every request reached the adapter and ' +
        'at each quarter of the answers, in a separate untimed round. RSS: peak growth, sampled every 5 ms (garbage included).',
    );
  }
  if (sizes) sections.push(sizeSection(sizes));
  console.log(sections.join('\n\n'));

  const misses = checks.filter((check) => !check.met);
  console.log('');
  if (misses.length === 0) console.log(`All ${checks.length} targets met.`);
  else {
    console.log(`**${misses.length} of ${checks.length} targets missed:**`);
    for (const miss of misses) console.log(`- ✗ ${miss.figure}: ${Number(miss.value.toPrecision(4))}, target ${miss.target}`);
  }
  log(`bench took ${((now() - started) / 1000).toFixed(0)} s`);

  if (!args.includes('--no-write') && !quick && overheadFigures && httpFigures && sizes) {
    const results = {
      date,
      machine,
      command: 'npm run bench',
      settings: {
        rounds: ROUNDS,
        overheadRounds: OVERHEAD_ROUNDS,
        sequentialRequests: SEQUENTIAL,
        concurrentRequests: HERD,
        maxSockets: MAX_SOCKETS,
      },
      targets: TARGETS,
      overhead: overheadFigures,
      http: httpFigures,
      sizes: sizes.map(({ name, entry, external, minified, gzip, budget }) => ({
        name,
        entry,
        external,
        minified,
        gzip,
        ...(budget === undefined ? {} : { budget, met: gzip <= budget }),
      })),
      checks,
    };
    const path = fileURLToPath(new URL('./results.json', import.meta.url));
    writeFileSync(path, `${JSON.stringify(rounded(results), null, 2)}\n`);
    log(`wrote ${path}`);
  }
}

await main();
