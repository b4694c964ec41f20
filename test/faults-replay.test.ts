import type { RequestListener } from 'node:http';
import { Readable } from 'node:stream';
import axios, { isAxiosError } from 'axios';
import type { AxiosInstance } from 'axios';
import { describe, expect, test } from 'vitest';
import { attachRefreshInterceptor } from '../src/index.js';
import type { RefreshContext, RefreshInterceptorHandle } from '../src/index.js';
import { adapterWatching401, setup, tokenOf } from './helpers.js';
import { bodyOf, expectRefreshError, listen, rejectionOf } from './faults/support.js';
import type { LocalServer } from './faults/support.js';

/**
 * An instance on a local server, with the interceptor attached (`refresh` mints `access-1`, …). Its
 * transport keeps every 401 it receives, so a RefreshError's `cause` can be compared by identity.
 */
async function localApi(adapter: 'http' | 'fetch', handler: RequestListener): Promise<{
  api: AxiosInstance;
  auth: RefreshInterceptorHandle;
  server: LocalServer;
  seenErrors: unknown[];
  refreshCalls: RefreshContext[];
}> {
  const server = await listen(handler);
  const seenErrors: unknown[] = [];
  // The 401s as the transport receives them: the library handles them before any interceptor.
  const api = axios.create({ baseURL: server.origin, adapter: adapterWatching401((error) => seenErrors.push(error), adapter) });
  const refreshCalls: RefreshContext[] = [];
  const auth = attachRefreshInterceptor(api, {
    tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' },
    refresh: (context) => {
      refreshCalls.push(context);
      return { accessToken: `access-${refreshCalls.length}`, refreshToken: `refresh-${refreshCalls.length}` };
    },
  });
  return { api, auth, server, seenErrors, refreshCalls };
}

const streams: ReadonlyArray<{ name: string; adapter: 'http' | 'fetch'; body: () => unknown }> = [
  { name: 'a Node Readable (http adapter)', adapter: 'http', body: () => Readable.from([Buffer.from('chunk-1,'), Buffer.from('chunk-2')]) },
  {
    name: 'a web ReadableStream (fetch adapter)',
    adapter: 'fetch',
    body: () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('chunk-1,'));
          controller.enqueue(new TextEncoder().encode('chunk-2'));
          controller.close();
        },
      }),
  },
];

describe('fault matrix: replays', () => {
  test('a replay that gets 401 again is returned to the caller unchanged, after one refresh', async () => {
    const { api, mock, refreshCalls } = setup();
    const seen: Array<string | undefined> = [];
    let replayError: unknown;
    api.interceptors.response.use(undefined, (error: unknown) => {
      if (isAxiosError(error) && error.config && tokenOf(error.config) === 'access-1') replayError = error;
      throw error;
    });
    mock.onGet('/me').reply((config) => {
      seen.push(tokenOf(config));
      // A third attempt would succeed, so a second replay cannot pass unnoticed.
      return seen.length <= 2 ? [401, { attempt: seen.length }] : [200];
    });

    const error = await rejectionOf(api.get('/me'));

    expect(error).toBe(replayError);
    expect(error).toMatchObject({ response: { status: 401, data: { attempt: 2 } } });
    expect(refreshCalls).toHaveLength(1);
    expect(seen).toEqual(['access-0', 'access-1']);
  });

  test.each(streams)(
    'a body that cannot be replayed ($name) is not resent: the refresh runs, the request rejects with BODY_NOT_REPLAYABLE',
    async ({ adapter, body }) => {
      const received: Array<{ authorization: string | undefined; body?: string }> = [];
      const { api, auth, server, seenErrors, refreshCalls } = await localApi(adapter, (request, response) => {
        const entry: { authorization: string | undefined; body?: string } = { authorization: request.headers.authorization };
        received.push(entry);
        if (received.length > 1) {
          // Answered at once: a stream sent a second time may never end.
          response.end('{}');
          return;
        }
        void bodyOf(request).then((data) => {
          entry.body = data.toString();
          response.statusCode = 401;
          response.end();
        });
      });
      try {
        const error = await rejectionOf(api.post('/upload', body(), { headers: { 'content-type': 'text/plain' } }));

        expectRefreshError(error, 'BODY_NOT_REPLAYABLE');
        expect(seenErrors).toHaveLength(1);
        expect(error.cause).toBe(seenErrors[0]);
        expect(error.cause).toMatchObject({ response: { status: 401 } });
        expect(refreshCalls).toHaveLength(1);
        expect(auth.getTokens()?.accessToken).toBe('access-1');
        expect(received).toEqual([{ authorization: 'Bearer access-0', body: 'chunk-1,chunk-2' }]);

        const retry = await api.post('/upload', body(), { headers: { 'content-type': 'text/plain' } });
        expect(retry.status).toBe(200);
        expect(received.map((entry) => entry.authorization)).toEqual(['Bearer access-0', 'Bearer access-1']);
        expect(refreshCalls).toHaveLength(1);
      } finally {
        await server.close();
      }
    },
  );

  test('a browser FormData body is replayed intact: the same entries reach the server with the new token', async () => {
    const received: Array<{ authorization: string | undefined; entries: unknown }> = [];
    const { api, server, refreshCalls } = await localApi('http', (request, response) => {
      const { authorization } = request.headers;
      void bodyOf(request).then(async (data) => {
        let entries: unknown;
        try {
          const contentType = request.headers['content-type'] ?? '';
          const form = await new Response(new Uint8Array(data), { headers: { 'content-type': contentType } }).formData();
          const pairs: Array<[string, FormDataEntryValue]> = [];
          form.forEach((value, name) => pairs.push([name, value]));
          entries = await Promise.all(
            pairs.map(async ([name, value]) => [name, typeof value === 'string' ? value : `${value.name}|${value.type}|${await value.text()}`]),
          );
        } catch {
          entries = `unparseable: ${data.toString()}`;
        }
        received.push({ authorization, entries });
        response.statusCode = authorization === 'Bearer access-0' ? 401 : 200;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify(entries));
      });
    });
    try {
      const form = new FormData();
      form.append('title', 'report');
      form.append('tag', 'a');
      form.append('tag', 'b');
      form.append('file', new Blob(['file contents\r\n--not-a-boundary'], { type: 'text/csv' }), 'report.csv');
      const expected = [
        ['title', 'report'],
        ['tag', 'a'],
        ['tag', 'b'],
        ['file', 'report.csv|text/csv|file contents\r\n--not-a-boundary'],
      ];

      const response = await api.post('/upload', form);

      expect(refreshCalls).toHaveLength(1);
      expect(response.data).toEqual(expected);
      expect(received).toEqual([
        { authorization: 'Bearer access-0', entries: expected },
        { authorization: 'Bearer access-1', entries: expected },
      ]);
    } finally {
      await server.close();
    }
  });
});
