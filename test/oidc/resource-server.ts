import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

/** One request the API answered. */
export interface ApiRequest {
  /** The request's `X-Request-Id`, or `'-'`. */
  readonly id: string;
  /** The access token it carried, or `null`. */
  readonly token: string | null;
  readonly status: 200 | 401;
  /** Why it was refused. */
  readonly refusal?: 'missing' | 'expired' | 'invalid';
}

export interface ResourceServer {
  readonly url: string;
  /** Every request since the last `reset()`, in the order answered. */
  readonly requests: ApiRequest[];
  /** Answers the request with this `X-Request-Id` only once `until` settles. */
  holdRequest(id: string, until: Promise<unknown>): void;
  reset(): void;
  stop(): Promise<void>;
}

/**
 * An API on 127.0.0.1 that accepts a request only with a valid JWT access token (RFC 9068) of the
 * provider: signature checked against the provider's JWKS, issuer, audience, type and expiry.
 * Refusals are 401 with `WWW-Authenticate: Bearer`, plus `error="invalid_token"` when a token was
 * sent (RFC 6750 §3.1).
 */
export async function startResourceServer(options: {
  issuer: string;
  jwksUri: string;
  audience: string;
}): Promise<ResourceServer> {
  const keys = createRemoteJWKSet(new URL(options.jwksUri));
  const requests: ApiRequest[] = [];
  const held = new Map<string, Promise<unknown>>();

  const server = createServer(async (req, res) => {
    const id = typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : '-';
    const hold = held.get(id);
    if (hold) {
      held.delete(id);
      await hold.catch(() => undefined);
    }
    const token = /^Bearer ([\x21-\x7e]+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
    const refuse = (refusal: 'missing' | 'expired' | 'invalid'): void => {
      requests.push({ id, token, status: 401, refusal });
      res.writeHead(401, {
        'WWW-Authenticate':
          refusal === 'missing'
            ? 'Bearer realm="api"'
            : `Bearer realm="api", error="invalid_token", error_description="${refusal === 'expired' ? 'the access token expired' : 'the access token is invalid'}"`,
        'Content-Type': 'application/json',
      });
      res.end(JSON.stringify({ error: refusal === 'missing' ? 'unauthorized' : 'invalid_token' }));
    };
    if (token === null) {
      refuse('missing');
      return;
    }
    jwtVerify(token, keys, { issuer: options.issuer, audience: options.audience, typ: 'at+jwt' }).then(
      ({ payload }) => {
        requests.push({ id, token, status: 200 });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ id, sub: payload.sub }));
      },
      (error: unknown) => refuse(error instanceof errors.JWTExpired ? 'expired' : 'invalid'),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    holdRequest(id, until) {
      held.set(id, until);
    },
    reset() {
      requests.length = 0;
      held.clear();
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
