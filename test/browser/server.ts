import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { HttpError, readJson } from '../support/token-server.js';
import type { AccessRecord, RefreshRecord, Session } from '../support/token-server.js';

/**
 * The origin the browser tests open: a test page that loads the built library, and on the same
 * origin an API with short-lived JWT access tokens (HS256) and rotating refresh tokens that revokes
 * the whole session when a spent refresh token comes back. Counters are read by the test directly.
 */
export interface BrowserServerOptions {
  /** The directory holding the built library (`index.js`, `storage.js`, `cross-tab.js`, chunks). */
  dist: string;
  /**
   * Seconds an access token lives.
   * @default 2
   */
  accessTokenLifetime?: number | undefined;
  /**
   * Whether the client is told when tokens expire (`exp` claim and `expires_in`). Without it the
   * lifetime is known to the server alone and a client learns of expiry from the 401.
   * @default true
   */
  expiryKnown?: boolean | undefined;
}

/** What one tab (the `X-Tab` header) did to the API. */
export interface TabStats {
  /** `GET /api/items/:id` calls. */
  requests: number;
  /** ... that carried an `Authorization` header. */
  withToken: number;
  /** ... that carried none. */
  withoutToken: number;
  /** ... answered 200. */
  ok: number;
  /** ... answered 401. */
  unauthorized: number;
  /** `POST /auth/refresh` calls. */
  refreshCalls: number;
}

export interface BrowserServerStats {
  logins: number;
  /** `POST /auth/refresh` calls, whatever their outcome (held and abandoned ones included). */
  refreshCalls: number;
  /** Refreshes that spent a refresh token and issued a new pair. */
  rotations: number;
  /** Spent refresh tokens presented again (each revokes its session). */
  reuseDetected: number;
  /** Held refreshes whose client went away before they were processed. */
  abandoned: number;
  apiRequests: number;
}

/** One API request as the server saw it. `token` is the label of the access token (`T2`), or `null`. */
export interface ApiRecord {
  readonly tab: string;
  readonly request: string;
  readonly token: string | null;
  readonly status: number;
}

/** A token pair as issued, by label. */
export interface IssueRecord {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** `login`, or the tab whose refresh rotated. */
  readonly by: string;
}

/** Refresh calls of one tab held before they are processed, until `release()`. */
export interface RefreshHold {
  /** Resolves when the first held refresh call has arrived. */
  readonly arrived: Promise<void>;
  /** Lets held calls (and later ones from that tab) be processed. */
  release(): void;
}

export interface BrowserServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly stats: Readonly<BrowserServerStats>;
  /** Per tab, by the `X-Tab` header value. */
  tab(name: string): Readonly<TabStats>;
  readonly api: readonly ApiRecord[];
  readonly issued: readonly IssueRecord[];
  /** The label of an access or refresh token this server issued (`T1`, `RT1`), or `'unknown'`. */
  labelOf(token: string): string;
  /** Holds the refresh calls of `tab` before they are processed (nothing is spent while held). */
  holdRefreshes(tab: string): RefreshHold;
  close(): Promise<void>;
}

const root = resolve(import.meta.dirname, '..', '..');

/** Files the page loads besides the library, by URL path. */
const files: Record<string, string> = {
  '/page.js': join(root, 'test', 'browser', 'page.js'),
  '/vendor/axios.js': join(root, 'node_modules', 'axios', 'dist', 'esm', 'axios.js'),
  '/vendor/jwt-decode.js': join(root, 'node_modules', 'jwt-decode', 'build', 'esm', 'index.js'),
};

const importMap = {
  imports: {
    axios: '/vendor/axios.js',
    'jwt-decode': '/vendor/jwt-decode.js',
    'axios-refresh-interceptor': '/dist/index.js',
    'axios-refresh-interceptor/storage': '/dist/storage.js',
    'axios-refresh-interceptor/cross-tab': '/dist/cross-tab.js',
  },
};

const html = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>axios-refresh-interceptor: several tabs</title>
<link rel="icon" href="data:,">
<script type="importmap">${JSON.stringify(importMap)}</script>
<script type="module" src="/page.js"></script>
</head>
<body></body>
</html>
`;

function send(response: ServerResponse, status: number, body: string, type: string): void {
  response.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  response.end(body);
}

const sendJson = (response: ServerResponse, status: number, body: unknown): void =>
  send(response, status, JSON.stringify(body), 'application/json');

/** Resolves when the client closes the connection before the answer was sent. */
const gone = (response: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    response.once('close', () => {
      if (!response.writableEnded) resolve();
    });
  });

/** Starts the server on 127.0.0.1 with an ephemeral port. */
export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const lifetime = options.accessTokenLifetime ?? 2;
  const expiryKnown = options.expiryKnown ?? true;
  const key = randomBytes(32);
  const accessTokens = new Map<string, AccessRecord>();
  const refreshTokens = new Map<string, RefreshRecord>();
  const stats: BrowserServerStats = { logins: 0, refreshCalls: 0, rotations: 0, reuseDetected: 0, abandoned: 0, apiRequests: 0 };
  const tabs = new Map<string, TabStats>();
  const api: ApiRecord[] = [];
  const issued: IssueRecord[] = [];
  const holds = new Map<string, { arrived: () => void; released: Promise<void> }>();

  const tabStats = (name: string): TabStats => {
    let entry = tabs.get(name);
    if (!entry) {
      entry = { requests: 0, withToken: 0, withoutToken: 0, ok: 0, unauthorized: 0, refreshCalls: 0 };
      tabs.set(name, entry);
    }
    return entry;
  };
  const tabOf = (request: IncomingMessage): string => String(request.headers['x-tab'] ?? '-');

  const issue = async (session: Session, by: string) => {
    const issuedAt = Date.now();
    const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject('user').setJti(randomUUID()).setIssuedAt(issuedAt / 1000);
    if (expiryKnown) jwt.setExpirationTime(issuedAt / 1000 + lifetime);
    const accessToken = await jwt.sign(key);
    const refreshToken = randomBytes(32).toString('base64url');
    const record: IssueRecord = {
      accessToken: `T${accessTokens.size + 1}`,
      refreshToken: `RT${refreshTokens.size + 1}`,
      issuedAt,
      expiresAt: issuedAt + lifetime * 1000,
      by,
    };
    accessTokens.set(accessToken, { label: record.accessToken, session, expiresAt: record.expiresAt });
    refreshTokens.set(refreshToken, { label: record.refreshToken, session, spent: false });
    issued.push(record);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      refresh_token: refreshToken,
      ...(expiryKnown ? { expires_in: lifetime } : {}),
    };
  };

  const login = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    await readJson(request);
    stats.logins += 1;
    sendJson(response, 200, await issue({ revoked: false }, 'login'));
  };

  const refresh = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const tab = tabOf(request);
    stats.refreshCalls += 1;
    tabStats(tab).refreshCalls += 1;
    const closed = gone(response);
    const { refresh_token: presented } = await readJson(request);
    const hold = holds.get(tab);
    if (hold) {
      hold.arrived();
      const outcome = await Promise.race([hold.released.then(() => 'released' as const), closed.then(() => 'gone' as const)]);
      if (outcome === 'gone') {
        stats.abandoned += 1;
        return;
      }
    }
    const found = typeof presented === 'string' ? refreshTokens.get(presented) : undefined;
    if (found?.spent) {
      // A spent refresh token came back: someone holds a copy. End the whole session.
      found.session.revoked = true;
      stats.reuseDetected += 1;
      throw new HttpError(400, { error: 'invalid_grant', error_description: 'refresh token reuse; the session was revoked' });
    }
    if (!found || found.session.revoked) throw new HttpError(400, { error: 'invalid_grant' });
    found.spent = true;
    stats.rotations += 1;
    sendJson(response, 200, await issue(found.session, tab));
  };

  const item = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    stats.apiRequests += 1;
    const tab = tabOf(request);
    const counts = tabStats(tab);
    counts.requests += 1;
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(request.headers.authorization ?? '');
    const token = match?.[1];
    if (token) counts.withToken += 1;
    else counts.withoutToken += 1;
    const known = token ? accessTokens.get(token) : undefined;
    let accepted = false;
    if (token && known) {
      try {
        await jwtVerify(token, key, { algorithms: ['HS256'] });
        accepted = Date.now() < known.expiresAt && !known.session.revoked;
      } catch (error) {
        if (!(error instanceof joseErrors.JOSEError)) throw error;
      }
    }
    const status = accepted ? 200 : 401;
    api.push({ tab, request: String(request.headers['x-request-id'] ?? '-'), token: token ? (known?.label ?? 'unknown') : null, status });
    if (accepted) {
      counts.ok += 1;
      sendJson(response, 200, { id: request.url });
    } else {
      counts.unauthorized += 1;
      response.setHeader('WWW-Authenticate', token ? 'Bearer error="invalid_token"' : 'Bearer');
      sendJson(response, 401, { error: token ? 'invalid_token' : 'unauthorized' });
    }
  };

  const asset = async (response: ServerResponse, path: string): Promise<void> => {
    let file = files[path];
    if (!file && /^\/dist\/[\w.-]+\.js(\.map)?$/.test(path)) file = join(options.dist, path.slice('/dist/'.length));
    if (!file) throw new HttpError(404, { error: 'not_found' });
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new HttpError(404, { error: 'not_found' });
    }
    send(response, 200, text, path.endsWith('.map') ? 'application/json' : 'text/javascript; charset=utf-8');
  };

  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    const handle = async (): Promise<void> => {
      if (request.method === 'POST' && path === '/auth/login') return login(request, response);
      if (request.method === 'POST' && path === '/auth/refresh') return refresh(request, response);
      if (request.method === 'GET' && /^\/api\/items\/[\w-]+$/.test(path)) return item(request, response);
      if (request.method === 'GET' && path === '/') return send(response, 200, html, 'text/html; charset=utf-8');
      if (request.method === 'GET') return asset(response, path);
      throw new HttpError(404, { error: 'not_found' });
    };
    handle().catch((error: unknown) => {
      if (response.headersSent || response.destroyed) return;
      if (error instanceof HttpError) sendJson(response, error.status, error.body);
      else sendJson(response, 500, { error: 'server_error' });
    });
  });

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    tab: tabStats,
    api,
    issued,
    labelOf: (token) => accessTokens.get(token)?.label ?? refreshTokens.get(token)?.label ?? 'unknown',
    holdRefreshes(tab) {
      let arrived!: () => void;
      let release!: () => void;
      const arrival = new Promise<void>((done) => {
        arrived = done;
      });
      const released = new Promise<void>((done) => {
        release = done;
      });
      holds.set(tab, { arrived, released });
      return { arrived: arrival, release };
    },
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeAllConnections();
      }),
  };
}
