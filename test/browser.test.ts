import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'tsup';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startBrowserServer } from './browser/server.js';
import type { BrowserServer, BrowserServerOptions } from './browser/server.js';

// Several tabs of one origin in a real browser (Debian's Chromium, driven by playwright-core): the
// library as built, loaded by a test page, against an API on the same origin with 3 s JWT access
// tokens and rotating refresh tokens that revokes the session when a spent one comes back. Tokens
// expire in real time, so these tests wait for real expiry; what they assert depends on no timing
// but "the token has expired" and the lock timeout.

const executablePath = '/usr/bin/chromium';
const available = existsSync(executablePath);
if (!available) {
  console.warn(`Skipping the browser tests: ${executablePath} is missing (apt-get install -y chromium).`);
}

const root = resolve(import.meta.dirname, '..');
/** Seconds an access token lives, for the tests that wait for its expiry. */
const lifetime = 3;

/** What a request from a tab came to. */
interface Outcome {
  readonly id: string;
  readonly ok: boolean;
  readonly status?: number | null;
  readonly code?: string | null;
  readonly message?: string;
}

/** A session event or `onLogout` call, as a tab recorded it. */
interface TabEvent {
  readonly type: string;
  readonly reason: string | null;
  readonly code: string | null;
}

interface SetupOptions {
  crossTab?: boolean;
  storage?: boolean;
  lockTimeout?: number;
}

/** What test/browser/page.js puts on `window.tab`. */
interface TabApi {
  readonly name: string;
  readonly events: TabEvent[];
  setup(options: SetupOptions): Promise<void>;
  login(): Promise<string>;
  logout(): Promise<void>;
  accessToken(): string | null;
  burst(count: number): Promise<Outcome[]>;
  fire(count: number): number;
  settle(index: number): Promise<Outcome[]>;
}

type Scope = { readonly tab: TabApi };

/** One tab of the page, driven from here. */
class Tab {
  readonly errors: string[] = [];

  constructor(
    readonly name: string,
    readonly page: Page,
  ) {
    page.on('pageerror', (error) => this.errors.push(`${name}: ${error.message}`));
  }

  setup(options: SetupOptions): Promise<void> {
    return this.page.evaluate((given) => (window as unknown as Scope).tab.setup(given), options);
  }
  login(): Promise<string> {
    return this.page.evaluate(() => (window as unknown as Scope).tab.login());
  }
  logout(): Promise<void> {
    return this.page.evaluate(() => (window as unknown as Scope).tab.logout());
  }
  accessToken(): Promise<string | null> {
    return this.page.evaluate(() => (window as unknown as Scope).tab.accessToken());
  }
  burst(count: number): Promise<Outcome[]> {
    return this.page.evaluate((n) => (window as unknown as Scope).tab.burst(n), count);
  }
  /** Starts a burst and returns at once; `settle` waits for it. */
  async fire(count: number): Promise<() => Promise<Outcome[]>> {
    const index = await this.page.evaluate((n) => (window as unknown as Scope).tab.fire(n), count);
    return () => this.page.evaluate((i) => (window as unknown as Scope).tab.settle(i), index);
  }
  events(): Promise<TabEvent[]> {
    return this.page.evaluate(() => [...(window as unknown as Scope).tab.events]);
  }
  async logouts(): Promise<TabEvent[]> {
    return (await this.events()).filter((event) => event.type === 'onLogout');
  }
  /** Waits until this tab's `onLogout` has been called, or `timeout` ms. */
  async waitForLogout(timeout = 3000): Promise<void> {
    await this.page.waitForFunction(() => (window as unknown as Scope).tab.events.some((event) => event.type === 'onLogout'), undefined, {
      timeout,
    });
  }
  /** Waits until this tab's access token is `token`, or `timeout` ms. */
  async waitForToken(token: string | null, timeout = 3000): Promise<void> {
    await this.page.waitForFunction((expected) => (window as unknown as Scope).tab.accessToken() === expected, token, { timeout });
  }
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, Math.max(0, ms)));
const sleepUntil = (at: number): Promise<void> => sleep(at - Date.now());

/** `promise`, or a rejection naming `what` after `ms`: a hang is reported, not waited out. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the server and each tab saw, printed when a test fails. Tokens appear as labels only. */
async function diagnose(api: BrowserServer, open: readonly Tab[]): Promise<string> {
  const lines = [`server: ${JSON.stringify(api.stats)}`];
  lines.push(`issued: ${api.issued.map((pair) => `${pair.accessToken}/${pair.refreshToken} by ${pair.by}`).join(', ')}`);
  for (const tab of open) {
    const events = tab.page.isClosed() ? ['(closed)'] : (await tab.events().catch(() => [])).map((event) => [event.type, event.reason, event.code].filter(Boolean).join(':'));
    lines.push(`tab ${tab.name}: ${JSON.stringify(api.tab(tab.name))}; events: ${events.join(' ')}`);
  }
  return lines.join('\n');
}

describe.skipIf(!available)('several tabs of one origin in Chromium', () => {
  let dist: string;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let server: BrowserServer | undefined;
  let tabs: Tab[] = [];

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'ari-browser-'));
    // The package's own build (tsup.config.ts entries), ESM only, without declarations.
    await build({ outDir: dist, format: ['esm'], dts: false, sourcemap: false, silent: true });
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-quic',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  });

  afterEach(async ({ task }) => {
    const errors = tabs.flatMap((tab) => tab.errors);
    if (task.result?.state === 'fail' && server) console.log(await diagnose(server, tabs));
    await context?.close();
    await server?.close();
    context = undefined;
    server = undefined;
    tabs = [];
    expect(errors, 'uncaught errors in the pages').toEqual([]);
  });

  /** A fresh origin (a new server, so fresh storage, locks and channels) in a fresh browser context. */
  async function start(options: Omit<BrowserServerOptions, 'dist'> = {}): Promise<BrowserServer> {
    server = await startBrowserServer({ dist, accessTokenLifetime: lifetime, ...options });
    context = await browser.newContext();
    return server;
  }

  /** Opens the test page as tab `name`; `setup` attaches the library there. */
  async function load(name: string): Promise<Tab> {
    const page = await (context as BrowserContext).newPage();
    const tab = new Tab(name, page);
    tabs.push(tab);
    await page.goto(`${(server as BrowserServer).url}/?tab=${name}`);
    await page.waitForFunction(() => 'tab' in window);
    return tab;
  }

  async function setup(tab: Tab, options: SetupOptions): Promise<Tab> {
    if (options.crossTab && !existsSync(join(dist, 'cross-tab.js'))) {
      throw new Error('the build has no cross-tab.js: tsup.config.ts must list src/cross-tab.ts as an entry');
    }
    await tab.setup(options);
    return tab;
  }

  /** Tabs A, B and C, each with the library attached. */
  async function open(options: SetupOptions): Promise<[Tab, Tab, Tab]> {
    const all = await Promise.all([load('A'), load('B'), load('C')]);
    await Promise.all(all.map((tab) => setup(tab, options)));
    return all;
  }

  /** Tab A logs in; B and C attach afterwards and find the session in storage. */
  async function session(options: SetupOptions): Promise<[Tab, Tab, Tab]> {
    const [a, b, c] = await Promise.all([load('A'), load('B'), load('C')]);
    await setup(a, options);
    const token = await a.login();
    await Promise.all([setup(b, options), setup(c, options)]);
    expect(await b.accessToken()).toBe(token);
    expect(await c.accessToken()).toBe(token);
    return [a, b, c];
  }

  /**
   * When the login's access token stops being usable: when the tabs refresh it ahead (half its
   * lifetime, the leeway's cap) if they know its expiry, else when the server starts refusing it.
   */
  function pivot(api: BrowserServer, expiryKnown: boolean): number {
    const login = api.issued[0];
    if (!login) throw new Error('no login yet');
    return expiryKnown ? (login.issuedAt + login.expiresAt) / 2 : login.expiresAt;
  }

  /** Every tab sends a burst every 200 ms from 400 ms before `at` to 400 ms after it. */
  async function burstsAcross(all: readonly Tab[], at: number): Promise<Outcome[]> {
    if (Date.now() > at - 400) throw new Error(`the tabs were ready ${Date.now() - (at - 400)} ms too late for the first burst`);
    const bursts: Promise<Outcome[]>[] = [];
    for (let round = at - 400; round <= at + 400; round += 200) {
      await sleepUntil(round);
      bursts.push(...all.map((tab) => tab.burst(4)));
    }
    return (await within(15_000, 'the bursts', Promise.all(bursts))).flat();
  }

  const labels = (api: BrowserServer, tabName?: string): string[] =>
    [...new Set(api.api.filter((record) => tabName === undefined || record.tab === tabName).map((record) => record.token ?? 'none'))].sort();

  describe.each([
    { expiry: 'a known expiry', expiryKnown: true },
    { expiry: 'an expiry learnt from 401s', expiryKnown: false },
  ])('bursts from three tabs across $expiry', ({ expiryKnown }) => {
    test('make one refresh call, with no reuse, and every request succeeds', async () => {
      const api = await start({ expiryKnown });
      const all = await session({ crossTab: true });
      const outcomes = await burstsAcross(all, pivot(api, expiryKnown));

      expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([]);
      expect(outcomes).toHaveLength(5 * 3 * 4);
      expect(api.stats.refreshCalls).toBe(1);
      expect(api.stats.rotations).toBe(1);
      expect(api.stats.reuseDetected).toBe(0);
      // The bursts did cross the expiry, and every tab went on with the one new token.
      for (const tab of all) {
        expect(labels(api, tab.name)).toEqual(['T1', 'T2']);
        expect(api.labelOf((await tab.accessToken()) ?? '')).toBe('T2');
      }
      if (!expiryKnown) expect(api.api.some((record) => record.status === 401)).toBe(true);
    }, 20_000);

    test('without crossTab, each tab refreshes on its own and the server detects refresh-token reuse', async () => {
      const api = await start({ expiryKnown });
      const all = await session({ crossTab: false });
      const outcomes = await burstsAcross(all, pivot(api, expiryKnown));

      expect(api.stats.refreshCalls).toBeGreaterThanOrEqual(all.length);
      for (const tab of all) expect(api.tab(tab.name).refreshCalls).toBeGreaterThanOrEqual(1);
      expect(api.stats.reuseDetected).toBeGreaterThanOrEqual(1);
      expect(outcomes.some((outcome) => !outcome.ok)).toBe(true);
    }, 20_000);
  });

  test("a logout in one tab stops every tab sending tokens and calls each other tab's onLogout once with 'other-tab'", async () => {
    const api = await start({ accessTokenLifetime: 60 });
    const [a, b, c] = await session({ crossTab: true });
    expect((await a.burst(2)).every((outcome) => outcome.ok)).toBe(true);

    await within(3000, 'logout() in tab B', b.logout());
    await a.waitForLogout();
    await c.waitForLogout();
    expect(await a.accessToken()).toBeNull();
    expect(await c.accessToken()).toBeNull();

    const before = Object.fromEntries([a, b, c].map((tab) => [tab.name, api.tab(tab.name).withToken]));
    const after = await Promise.all([a, b, c].map((tab) => tab.burst(3)));
    for (const outcomes of after) expect(outcomes.map((outcome) => outcome.status)).toEqual([401, 401, 401]);
    for (const tab of [a, b, c]) expect(api.tab(tab.name).withToken).toBe(before[tab.name]);

    await sleep(300); // time for a duplicate notice to arrive, were there one
    expect(await a.logouts()).toEqual([{ type: 'onLogout', reason: 'other-tab', code: null }]);
    expect(await c.logouts()).toEqual([{ type: 'onLogout', reason: 'other-tab', code: null }]);
    expect(await b.logouts()).toEqual([{ type: 'onLogout', reason: 'logout', code: null }]);
    expect(api.stats.refreshCalls).toBe(0);
  }, 20_000);

  test('a logout in one tab discards the refresh another tab has under way', async () => {
    const api = await start();
    const [a, b, c] = await session({ crossTab: true });
    const hold = api.holdRefreshes('C');
    await sleepUntil(pivot(api, true) + 100);
    const pending = await c.fire(2);
    await within(3000, "tab C's refresh reaching the server", hold.arrived);

    await within(3000, 'logout() in tab B while tab C refreshes', b.logout());
    await a.waitForLogout();
    await c.waitForLogout();
    hold.release();
    const outcomes = await within(5000, "tab C's requests", pending());
    expect(outcomes.filter((outcome) => outcome.ok)).toEqual([]);

    await sleep(300); // time for the refresh answer to be (wrongly) spread, were it kept
    for (const tab of [a, b, c]) expect(await tab.accessToken()).toBeNull();
    const after = (await Promise.all([a, b, c].map((tab) => tab.burst(2)))).flat();
    expect(after.filter((outcome) => outcome.ok)).toEqual([]);
    // No request ever carried a token that the discarded refresh may have brought.
    const discarded = api.issued.slice(1).map((pair) => pair.accessToken);
    expect(api.api.filter((record) => discarded.includes(record.token ?? ''))).toEqual([]);
    expect(await c.logouts()).toEqual([{ type: 'onLogout', reason: 'other-tab', code: null }]);
    // Nor does it come back in a tab opened afterwards.
    const d = await setup(await load('D'), { crossTab: true });
    expect(await d.accessToken()).toBeNull();
  }, 20_000);

  test('a login in one tab is adopted by the others without a refresh', async () => {
    const api = await start({ accessTokenLifetime: 60 });
    const [a, b, c] = await open({ crossTab: true });
    expect(await b.accessToken()).toBeNull();

    const token = await a.login();
    await b.waitForToken(token);
    await c.waitForToken(token);
    const outcomes = (await Promise.all([b.burst(3), c.burst(3)])).flat();

    expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([]);
    expect(labels(api, 'B')).toEqual(['T1']);
    expect(labels(api, 'C')).toEqual(['T1']);
    expect(api.stats.refreshCalls).toBe(0);
    for (const tab of [a, b, c]) expect(await tab.logouts()).toEqual([]);
  }, 20_000);

  test('when the tab holding the lock closes mid-refresh, the others refresh and recover within the lock timeout', async () => {
    const lockTimeout = 5000;
    const api = await start();
    const [a, b, c] = await session({ crossTab: true, lockTimeout });
    const hold = api.holdRefreshes('A');
    await sleepUntil(pivot(api, true) + 100);
    await a.fire(2);
    await within(3000, "tab A's refresh reaching the server", hold.arrived);
    const waiting = [await b.fire(2), await c.fire(2)];
    await sleep(200); // B and C are queued behind A

    const closedAt = Date.now();
    await a.page.close();
    const outcomes = (await within(lockTimeout + 3000, 'the requests of tabs B and C', Promise.all(waiting.map((settle) => settle())))).flat();
    const recoveredIn = Date.now() - closedAt;

    expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([]);
    expect(recoveredIn).toBeLessThan(lockTimeout);
    expect(api.stats.abandoned).toBe(1);
    expect(api.stats.rotations).toBe(1);
    expect(api.stats.reuseDetected).toBe(0);
    // Their requests waited for the refresh and went out with the one new token.
    expect(labels(api, 'B')).toEqual(['T2']);
    expect(labels(api, 'C')).toEqual(['T2']);
  }, 25_000);

  test("a frozen tab holding the lock blocks the others' refresh for no longer than the lock timeout", async () => {
    const lockTimeout = 1500;
    const api = await start();
    const [a, b, c] = await session({ crossTab: true, lockTimeout });
    const hold = api.holdRefreshes('A');
    await sleepUntil(pivot(api, true) + 100);
    await a.fire(2);
    await within(3000, "tab A's refresh reaching the server", hold.arrived);
    const cdp = await a.page.context().newCDPSession(a.page);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });

    // The first requests wait at most the lock timeout; they may give up (tokens kept) or succeed.
    const startedAt = Date.now();
    const waiting = [await b.fire(2), await c.fire(2)];
    const first = (await within(lockTimeout + 5000, 'the requests of tabs B and C', Promise.all(waiting.map((settle) => settle())))).flat();
    expect(Date.now() - startedAt).toBeLessThan(lockTimeout + 2000);
    expect(first.filter((outcome) => !outcome.ok && outcome.code !== 'REFRESH_TIMEOUT')).toEqual([]);
    // From then on, the frozen holder blocks nobody: the session goes on in B and C.
    const then = (await within(lockTimeout + 5000, 'the next requests of tabs B and C', Promise.all([b.burst(2), c.burst(2)]))).flat();
    expect(then.filter((outcome) => !outcome.ok)).toEqual([]);
    expect(api.stats.rotations).toBe(1);
    expect(api.stats.reuseDetected).toBe(0);
  }, 25_000);
});
