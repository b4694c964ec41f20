import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { HttpError, readJson } from '../support/token-server.js';
import type { AccessRecord, RefreshRecord, Session } from '../support/token-server.js';

/**
 * A small token server for the demonstration: short-lived JWT access tokens (HS256) and opaque,
 * rotating refresh tokens, on 127.0.0.1 with an ephemeral port. Tokens are only ever named in its log
 * by short labels (`T1` for access tokens, `RT1` for refresh tokens), never by value.
 */
export interface DemoServerOptions {
  /**
   * Seconds an access token lives, counted from its `iat` to the millisecond.
   * @default 3
   */
  accessTokenLifetime?: number | undefined;
  /**
   * Whether access tokens carry an `exp` claim a client can read. Without it the lifetime is known to
   * the server alone, as with opaque tokens: a client learns of expiry from the 401.
   * @default true
   */
  expClaim?: boolean | undefined;
  /**
   * Milliseconds the refresh endpoint takes to answer, so that requests waiting on it are visible.
   * @default 0
   */
  refreshDelay?: number | undefined;
  /** Called with every event as it is logged. */
  onEvent?: ((event: ServerEvent) => void) | undefined;
}

/** Why a request to the API was refused. */
export type Refusal = 'missing' | 'invalid' | 'expired' | 'revoked';

/** What the server logged. `at` is `Date.now()`; tokens are named by their labels. */
export type ServerEvent =
  | {
      readonly type: 'login';
      readonly at: number;
      readonly user: string;
      readonly session: string;
      readonly accessToken: string;
      readonly refreshToken: string;
      /** When the access token stops being accepted, in milliseconds since the epoch. */
      readonly expiresAt: number;
    }
  | {
      readonly type: 'api';
      readonly at: number;
      /** The request's `X-Request-Id`, or `'-'`. */
      readonly request: string;
      /** 1 for the first time this request id was seen, 2 for its replay, and so on. */
      readonly attempt: number;
      readonly method: string;
      readonly path: string;
      /** The label of the access token it carried, `'unknown'` for a token this server never issued, `null` for none. */
      readonly token: string | null;
      readonly status: number;
      readonly refusal?: Refusal;
    }
  | {
      readonly type: 'refresh';
      readonly at: number;
      /** The label of the refresh token presented, `'unknown'` for one this server never issued, `null` for none. */
      readonly presented: string | null;
      /** `rotated`: a new pair was issued and the presented token spent. `reuse`: a spent token came back, the session was revoked. */
      readonly outcome: 'rotated' | 'reuse' | 'revoked' | 'unknown';
      readonly status: number;
      readonly accessToken?: string;
      readonly refreshToken?: string;
      readonly expiresAt?: number;
    }
  | { readonly type: 'revoke'; readonly at: number; readonly sessions: number };

/** Counters since the server started. */
export interface DemoServerStats {
  logins: number;
  /** Calls of `POST /auth/refresh`, whatever their outcome. */
  refreshCalls: number;
  /** Spent refresh tokens presented again (each revoked its session). */
  reuseDetected: number;
  apiRequests: number;
  unauthorized: number;
}

export interface DemoServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  readonly stats: Readonly<DemoServerStats>;
  readonly log: readonly ServerEvent[];
  /** The label of a token this server issued (`T3`, `RT2`), or `'unknown'`. */
  labelOf(token: string): string;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** A login's session, named for the log. */
interface DemoSession extends Session {
  readonly label: string;
  readonly user: string;
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(text);
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the demo token server on 127.0.0.1 with an ephemeral port. */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const lifetime = options.accessTokenLifetime ?? 3;
  const expClaim = options.expClaim ?? true;
  const refreshDelay = options.refreshDelay ?? 0;
  if (!(lifetime > 0)) throw new TypeError(`accessTokenLifetime must be a positive number of seconds; received ${lifetime}`);

  const key = randomBytes(32);
  const sessions: DemoSession[] = [];
  const accessTokens = new Map<string, AccessRecord<DemoSession>>();
  const refreshTokens = new Map<string, RefreshRecord<DemoSession>>();
  const attempts = new Map<string, number>();
  const log: ServerEvent[] = [];
  const stats: DemoServerStats = { logins: 0, refreshCalls: 0, reuseDetected: 0, apiRequests: 0, unauthorized: 0 };
  let accessCount = 0;
  let refreshCount = 0;

  const record = (event: ServerEvent): void => {
    log.push(event);
    options.onEvent?.(event);
  };

  const labelOf = (token: string): string =>
    accessTokens.get(token)?.label ?? refreshTokens.get(token)?.label ?? 'unknown';

  const issue = async (session: DemoSession) => {
    const issuedAt = Date.now();
    // NumericDate may be fractional (RFC 7519 §2), so the lifetime holds to the millisecond.
    const jwt = new SignJWT({ sid: session.label })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(session.user)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt / 1000);
    if (expClaim) jwt.setExpirationTime(issuedAt / 1000 + lifetime);
    const accessToken = await jwt.sign(key);
    const refreshToken = randomBytes(32).toString('base64url');
    const access: AccessRecord<DemoSession> = { label: `T${(accessCount += 1)}`, session, expiresAt: issuedAt + lifetime * 1000 };
    const refresh: RefreshRecord<DemoSession> = { label: `RT${(refreshCount += 1)}`, session, spent: false };
    accessTokens.set(accessToken, access);
    refreshTokens.set(refreshToken, refresh);
    const body = { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime, refresh_token: refreshToken };
    return { body, access, refresh };
  };

  const login = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const { username } = await readJson(request);
    if (typeof username !== 'string' || username === '') {
      throw new HttpError(400, { error: 'invalid_request', error_description: 'username is required' });
    }
    stats.logins += 1;
    const session: DemoSession = { label: `S${sessions.length + 1}`, user: username, revoked: false };
    sessions.push(session);
    const { body, access, refresh } = await issue(session);
    record({
      type: 'login',
      at: Date.now(),
      user: username,
      session: session.label,
      accessToken: access.label,
      refreshToken: refresh.label,
      expiresAt: access.expiresAt,
    });
    send(response, 200, body);
  };

  const refresh = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    stats.refreshCalls += 1;
    const { refresh_token: presented } = await readJson(request);
    if (refreshDelay > 0) await wait(refreshDelay);
    const found = typeof presented === 'string' ? refreshTokens.get(presented) : undefined;
    const refuse = (outcome: 'reuse' | 'revoked' | 'unknown', description: string): void => {
      const label = typeof presented === 'string' ? (found?.label ?? 'unknown') : null;
      record({ type: 'refresh', at: Date.now(), presented: label, outcome, status: 400 });
      send(response, 400, { error: 'invalid_grant', error_description: description });
    };
    if (!found) return refuse('unknown', 'unknown refresh token');
    if (found.session.revoked) return refuse('revoked', 'the session was revoked');
    if (found.spent) {
      // A spent refresh token came back: someone holds a copy. End the whole session.
      found.session.revoked = true;
      stats.reuseDetected += 1;
      return refuse('reuse', 'refresh token reuse detected; the session was revoked');
    }
    found.spent = true;
    const { body, access, refresh: next } = await issue(found.session);
    record({
      type: 'refresh',
      at: Date.now(),
      presented: found.label,
      outcome: 'rotated',
      status: 200,
      accessToken: access.label,
      refreshToken: next.label,
      expiresAt: access.expiresAt,
    });
    send(response, 200, body);
  };

  /** The refusal for a bearer token, or its record when it is accepted. */
  const authenticate = async (authorization: string | undefined): Promise<{ token: string | null; refusal?: Refusal }> => {
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(authorization ?? '');
    if (!match?.[1]) return { token: null, refusal: 'missing' };
    const token = match[1];
    const known = accessTokens.get(token);
    const label = known?.label ?? 'unknown';
    try {
      await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['iat', 'jti', 'sid', 'sub'] });
    } catch (error) {
      return { token: label, refusal: error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
    }
    if (!known) return { token: label, refusal: 'invalid' };
    // jose checks `exp` in whole seconds; the lifetime is enforced to the millisecond here as well.
    if (Date.now() >= known.expiresAt) return { token: label, refusal: 'expired' };
    if (known.session.revoked) return { token: label, refusal: 'revoked' };
    return { token: label };
  };

  const item = async (request: IncomingMessage, response: ServerResponse, id: string): Promise<void> => {
    stats.apiRequests += 1;
    const requestId = String(request.headers['x-request-id'] ?? '-');
    const attempt = (attempts.get(requestId) ?? 0) + 1;
    attempts.set(requestId, attempt);
    const { token, refusal } = await authenticate(request.headers.authorization);
    const base = { type: 'api', at: Date.now(), request: requestId, attempt, method: 'GET', path: request.url ?? '' } as const;
    if (refusal) {
      stats.unauthorized += 1;
      record({ ...base, token, status: 401, refusal });
      const challenge =
        refusal === 'missing'
          ? 'Bearer realm="demo"'
          : `Bearer realm="demo", error="invalid_token", error_description="the access token is ${refusal}"`;
      send(response, 401, { error: refusal === 'missing' ? 'unauthorized' : 'invalid_token' }, { 'WWW-Authenticate': challenge });
      return;
    }
    record({ ...base, token, status: 200 });
    send(response, 200, { id: Number(id), name: `item ${id}` });
  };

  const revokeAll = (response: ServerResponse): void => {
    const live = sessions.filter((session) => !session.revoked);
    for (const session of live) session.revoked = true;
    record({ type: 'revoke', at: Date.now(), sessions: live.length });
    send(response, 200, { revoked: live.length });
  };

  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    const itemMatch = /^\/api\/items\/(\d+)$/.exec(path);
    const handle = async (): Promise<void> => {
      if (request.method === 'POST' && path === '/auth/login') return login(request, response);
      if (request.method === 'POST' && path === '/auth/refresh') return refresh(request, response);
      if (request.method === 'POST' && path === '/admin/revoke') return revokeAll(response);
      if (request.method === 'GET' && itemMatch?.[1]) return item(request, response, itemMatch[1]);
      throw new HttpError(404, { error: 'not_found' });
    };
    handle().catch((error: unknown) => {
      if (response.headersSent) return;
      if (error instanceof HttpError) send(response, error.status, error.body, error.headers);
      else send(response, 500, { error: 'server_error' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    log,
    labelOf,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
