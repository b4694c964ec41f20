import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { RefreshError, isRefreshError } from '../../src/index.js';
import type { RefreshErrorCode, TokenSet } from '../../src/index.js';

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection, but the promise resolved');
    },
    (error: unknown) => error,
  );
}

/** Asserts that `error` is a {@link RefreshError} with `code`. */
export function expectRefreshError(error: unknown, code: RefreshErrorCode): asserts error is RefreshError {
  expect(error).toBeInstanceOf(RefreshError);
  expect(isRefreshError(error) ? error.code : error).toBe(code);
}

/** How a promise settled, readable before it has. */
export interface Outcome {
  settled: boolean;
  value: unknown;
  error: unknown;
}

export function track(promise: Promise<unknown>): Outcome {
  const outcome: Outcome = { settled: false, value: undefined, error: undefined };
  promise.then(
    (value) => {
      outcome.settled = true;
      outcome.value = value;
    },
    (error: unknown) => {
      outcome.settled = true;
      outcome.error = error;
    },
  );
  return outcome;
}

/** An OAuth 2.0 token endpoint answer (RFC 6749 §5.1), as it comes over the wire. */
export interface OAuthTokenAnswer {
  readonly access_token?: unknown;
  readonly refresh_token?: unknown;
  readonly expires_in?: unknown;
}

/**
 * Maps a token endpoint answer to a token set the way an app's `refresh` does, trusting the
 * shape: a body that is not an object (an HTML page) yields an undefined access token, and an
 * `expires_in` that is not a number yields a `NaN` expiry.
 */
export function fromOAuth(data: unknown, receivedAt: number): TokenSet {
  const answer = data as OAuthTokenAnswer;
  return {
    accessToken: answer.access_token as string,
    refreshToken: answer.refresh_token as string | undefined,
    expiresAt: answer.expires_in === undefined ? undefined : receivedAt + Number(answer.expires_in) * 1000,
  };
}

/** A server on 127.0.0.1 with a port of its own (so its own origin). */
export interface LocalServer {
  readonly origin: string;
  close(): Promise<void>;
}

export async function listen(handler: RequestListener): Promise<LocalServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The whole body of a request the server received. */
export async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Records unhandled rejections and uncaught exceptions while a test runs; `stop()` removes the
 * listeners and returns what was seen.
 */
export function watchUnhandled(): { stop(): unknown[] } {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(reason);
  };
  const onException = (error: unknown): void => {
    seen.push(error);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    stop: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
      return seen;
    },
  };
}
