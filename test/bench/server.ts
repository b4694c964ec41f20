/**
 * The resource server of the benchmarks: a node:http server on 127.0.0.1 (port 0), in a worker thread
 * so that its work runs beside the client's rather than on the client's event loop.
 *
 * - `GET` anything: 200 with a small JSON body when the `Authorization: Bearer <token>` is one it
 *   issued (or was told is valid), else 401.
 * - `POST /refresh`: mints a new access token (a JWT expiring in an hour) and counts the call.
 */
import { Worker } from 'node:worker_threads';

/** What the server counted since the last reset. */
export interface ServerStats {
  readonly ok: number;
  readonly unauthorized: number;
  readonly refreshes: number;
}

export interface BenchServer {
  readonly url: string;
  /**
   * Forgets every token and count; `valid` are the tokens accepted from now on. With `notify`,
   * calls `onAnswered` each time the number of GETs answered reaches one of `counts`.
   */
  reset(valid: readonly string[], notify?: { readonly counts: readonly number[]; readonly onAnswered: () => void }): Promise<void>;
  stats(): Promise<ServerStats>;
  close(): Promise<void>;
}

// Plain JavaScript: a worker cannot load TypeScript through the parent's loader.
const source = String.raw`
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
let valid = new Set();
let stats = { ok: 0, unauthorized: 0, refreshes: 0 };
let minted = 0;
let notifyAt = new Set();
const answered = () => {
  if (notifyAt.has(stats.ok + stats.unauthorized)) parentPort.postMessage({ type: 'answered' });
};
const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims) => encode({ alg: 'HS256', typ: 'JWT' }) + '.' + encode(claims) + '.c2lnbmF0dXJl';
const ok = '{"ok":true}';
const denied = '{"error":"invalid_token"}';
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/refresh') {
    req.resume();
    req.on('end', () => {
      stats.refreshes += 1;
      minted += 1;
      const now = Math.floor(Date.now() / 1000);
      const token = jwt({ sub: 'bench', iat: now, exp: now + 3600, jti: minted });
      valid.add(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: token, refresh_token: 'refresh-' + minted }));
    });
    return;
  }
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ') && valid.has(auth.slice(7))) {
    stats.ok += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(ok);
    answered();
  } else {
    stats.unauthorized += 1;
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' });
    res.end(denied);
    answered();
  }
});
server.keepAliveTimeout = 600000;
server.headersTimeout = 601000;
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
parentPort.on('message', (message) => {
  if (message.type === 'reset') {
    valid = new Set(message.valid);
    notifyAt = new Set(message.notifyAt);
    stats = { ok: 0, unauthorized: 0, refreshes: 0 };
    parentPort.postMessage({ type: 'reset' });
  } else if (message.type === 'stats') {
    parentPort.postMessage({ type: 'stats', stats });
  } else if (message.type === 'close') {
    server.closeAllConnections();
    server.close(() => parentPort.postMessage({ type: 'closed' }));
  }
});
`;

type Reply =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'answered' }
  | { readonly type: 'reset' }
  | { readonly type: 'stats'; readonly stats: ServerStats }
  | { readonly type: 'closed' };

export async function startServer(): Promise<BenchServer> {
  const worker = new Worker(source, { eval: true });
  const waiting: ((reply: Reply) => void)[] = [];
  let onAnswered: (() => void) | undefined;
  worker.on('message', (reply: Reply) => {
    if (reply.type === 'answered') onAnswered?.();
    else waiting.shift()?.(reply);
  });
  worker.on('error', (error) => {
    throw error;
  });
  const next = (): Promise<Reply> => new Promise((resolve) => waiting.push(resolve));
  const ask = (message: object): Promise<Reply> => {
    const reply = next();
    worker.postMessage(message);
    return reply;
  };
  const listening = await next();
  if (listening.type !== 'listening') throw new Error(`bench server: unexpected ${listening.type}`);
  return {
    url: `http://127.0.0.1:${listening.port}`,
    async reset(valid, notify) {
      onAnswered = notify?.onAnswered;
      await ask({ type: 'reset', valid, notifyAt: notify?.counts ?? [] });
    },
    async stats() {
      const reply = await ask({ type: 'stats' });
      if (reply.type !== 'stats') throw new Error(`bench server: unexpected ${reply.type}`);
      return reply.stats;
    },
    async close() {
      await ask({ type: 'close' });
      await worker.terminate();
    },
  };
}

const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned-looking JWT with the given claims (decoded by clients, never verified here). */
export function jwt(claims: Record<string, unknown>): string {
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.c2lnbmF0dXJl`;
}
