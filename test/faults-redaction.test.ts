import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import axios, { isAxiosError } from 'axios';
import type { AxiosRequestConfig } from 'axios';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attachRefreshInterceptor, isRefreshError } from '../src/index.js';
import type { RefreshContext, RefreshErrorCode, RefreshInterceptorHandle, TokenSet } from '../src/index.js';
import { adapterWatching401, flush, setup } from './helpers.js';
import { bodyOf, listen, rejectionOf } from './faults/support.js';
import type { LocalServer } from './faults/support.js';

const ACCESS = 'at-7f3a9c2e51';
const REFRESH = 'rt-9c1e55b0d4';
const HELD: TokenSet = { accessToken: ACCESS, refreshToken: REFRESH };

/**
 * A token endpoint on 127.0.0.1 that fails as its path says; `/400` echoes the refresh token it
 * was sent in its error description, as some servers do.
 */
let tokenServer: LocalServer;
beforeAll(async () => {
  tokenServer = await listen((request, response) => {
    void bodyOf(request).then((body) => {
      const fail = (status: number, data: unknown): void => {
        response.statusCode = status;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify(data));
      };
      switch (request.url) {
        case '/400':
          return fail(400, { error: 'invalid_grant', error_description: `refresh token ${new URLSearchParams(body.toString()).get('refresh_token') ?? body.toString()} was revoked` });
        case '/401':
          return fail(401, { error: 'invalid_client' });
        case '/500':
          return fail(500, { error: 'server_error' });
        case '/200-empty':
          return fail(200, { access_token: '', token_type: 'Bearer' });
        case '/drop':
          return request.socket.destroy();
        default:
          return undefined; // '/hang': never answers
      }
    });
  });
});
afterAll(async () => {
  await tokenServer.close();
});

/** How `refresh` presents the refresh token to the endpoint. */
const presentations = {
  'a JSON body': (token: string | undefined): AxiosRequestConfig => ({ data: { grant_type: 'refresh_token', refresh_token: token } }),
  'a form body': (token: string | undefined): AxiosRequestConfig => ({
    data: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token ?? '' }),
  }),
  'a Cookie header': (token: string | undefined): AxiosRequestConfig => ({ headers: { Cookie: `refresh_token=${token ?? ''}` } }),
  'an Authorization header': (token: string | undefined): AxiosRequestConfig => ({ headers: { Authorization: `Bearer ${token ?? ''}` } }),
} as const;

/**
 * A `refresh` that POSTs to `path` on the token server with the real http adapter (so its errors
 * carry the raw request), sending the refresh token as `how` says, and a second header with the
 * access token; what it throws is kept.
 */
function refreshVia(path: string, how: keyof typeof presentations, thrown: unknown[]) {
  return async ({ refreshToken, tokens, signal }: RefreshContext): Promise<TokenSet> => {
    try {
      const config = presentations[how](refreshToken);
      const { data } = await axios.request<{ access_token?: string }>({
        ...config,
        method: 'post',
        url: `${tokenServer.origin}${path}`,
        adapter: 'http',
        signal,
        headers: { ...(config.headers as Record<string, string> | undefined), 'X-Previous-Token': tokens?.accessToken ?? '' },
      });
      return { accessToken: data.access_token ?? '' };
    } catch (error) {
      thrown.push(error);
      throw error;
    }
  };
}

/** Every error in `error`'s cause chain, `error` first. */
function chainOf(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let link = error; link !== undefined && link !== null && !chain.includes(link); link = (link as { cause?: unknown }).cause) {
    chain.push(link);
  }
  return chain;
}

/** Every way an error becomes text. */
function renderings(error: unknown): string[] {
  return [String(error), (error as { message?: unknown }).message as string, JSON.stringify(error) ?? '', inspect(error, { depth: Infinity })];
}

/** How each code comes about: it resolves with the error the request rejected with and, when known, the expected cause. */
interface Produced {
  readonly error: unknown;
  readonly cause: unknown;
}

async function requestFailingWith(
  refresh: (context: RefreshContext) => Promise<TokenSet>,
  options: { refreshTimeout?: number; during?: (auth: RefreshInterceptorHandle) => Promise<void> } = {},
): Promise<unknown> {
  const { api, mock, auth } = setup({ refresh, ...(options.refreshTimeout ? { refreshTimeout: options.refreshTimeout } : {}) }, HELD);
  mock.onGet('/data').reply(401, { error: 'invalid_token' });
  const error = rejectionOf(api.get('/data'));
  if (options.during) {
    await flush();
    await options.during(auth);
  }
  return error;
}

const scenarios: ReadonlyArray<{ readonly name: string; readonly code: RefreshErrorCode; readonly produce: () => Promise<Produced> }> = [
  ...(
    [
      ['/400', 'a JSON body', 'REFRESH_REJECTED'],
      ['/401', 'an Authorization header', 'REFRESH_REJECTED'],
      ['/500', 'a form body', 'REFRESH_FAILED'],
      ['/drop', 'a Cookie header', 'REFRESH_FAILED'],
    ] as const
  ).map(([path, how, code]) => ({
    name: `the refresh POST with ${how} fails with ${path.slice(1)}`,
    code,
    produce: async (): Promise<Produced> => {
      const thrown: unknown[] = [];
      const error = await requestFailingWith(refreshVia(path, how, thrown));
      return { error, cause: thrown[0] };
    },
  })),
  {
    name: 'refresh throws an error whose message holds both tokens',
    code: 'REFRESH_FAILED',
    produce: async () => {
      const thrown = new Error(`could not refresh ${REFRESH} for ${ACCESS}`, { cause: new Error(`token ${ACCESS} unknown`) });
      const error = await requestFailingWith(() => Promise.reject(thrown));
      return { error, cause: thrown };
    },
  },
  {
    name: 'the refresh POST never answers',
    code: 'REFRESH_TIMEOUT',
    produce: async () => ({ error: await requestFailingWith(refreshVia('/hang', 'a Cookie header', []), { refreshTimeout: 1 }), cause: undefined }),
  },
  {
    name: 'the refresh POST answers 200 with an empty access token',
    code: 'INVALID_REFRESH_RESPONSE',
    produce: async () => ({ error: await requestFailingWith(refreshVia('/200-empty', 'a JSON body', [])), cause: undefined }),
  },
  {
    name: 'logout() while the refresh POST is pending',
    code: 'SESSION_ENDED',
    produce: async () => ({
      error: await requestFailingWith(refreshVia('/hang', 'a JSON body', []), { during: (auth) => auth.logout() }),
      cause: undefined,
    }),
  },
  ...(
    [
      ['http', 'a Node Readable', () => Readable.from([Buffer.from('chunk')])],
      [
        'fetch',
        'a web ReadableStream',
        () =>
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('chunk'));
              controller.close();
            },
          }),
      ],
    ] as const
  ).map(([adapter, body, stream]) => ({
    name: `an upload of ${body} (${adapter} adapter) gets a 401 with the access token`,
    code: 'BODY_NOT_REPLAYABLE' as const,
    produce: async (): Promise<Produced> => {
      const resource = await listen((request, response) => {
        void bodyOf(request).then(() => {
          response.statusCode = 401;
          response.end();
        });
      });
      try {
        const seen: unknown[] = [];
        // The 401 as the transport receives it: the library handles it before any interceptor.
        const api = axios.create({ baseURL: resource.origin, adapter: adapterWatching401((error) => seen.push(error), adapter) });
        attachRefreshInterceptor(api, { tokens: HELD, refresh: () => ({ accessToken: 'at-next', refreshToken: 'rt-next' }) });
        const error = await rejectionOf(api.post('/upload', stream(), { headers: { 'content-type': 'text/plain' } }));
        return { error, cause: seen[0] };
      } finally {
        await resource.close();
      }
    },
  })),
];

describe('fault matrix: no library error shows a token', () => {
  test.each(scenarios)('$code ($name): String, message, JSON.stringify and util.inspect of every error in the cause chain hold no token', async ({ code, produce }) => {
    const { error, cause } = await produce();

    expect(isRefreshError(error) && error.code).toBe(code);
    expect((error as { cause?: unknown }).cause).toBe(cause);
    if (isAxiosError(cause)) expect(JSON.stringify(cause)).toContain('[redacted]');
    const chain = chainOf(error);
    expect(chain.length).toBeGreaterThanOrEqual(cause === undefined ? 1 : 2);
    for (const link of chain) {
      for (const text of renderings(link)) {
        expect(text).not.toContain(ACCESS);
        expect(text).not.toContain(REFRESH);
      }
    }
  });
});
