/**
 * What the test token servers (test/demo/server.ts, test/browser/server.ts) share: their records of
 * issued tokens, their OAuth-style client errors, and reading a JSON body.
 */
import type { IncomingMessage } from 'node:http';

/** A login's session: every token issued in it dies with it when it is revoked. */
export interface Session {
  revoked: boolean;
}

/** An access token the server issued, kept under its value; named by `label` only. */
export interface AccessRecord<S extends Session = Session> {
  readonly label: string;
  readonly session: S;
  readonly expiresAt: number;
}

/** A refresh token the server issued; `spent` once it was rotated. */
export interface RefreshRecord<S extends Session = Session> {
  readonly label: string;
  readonly session: S;
  spent: boolean;
}

/** A client error with an OAuth-style body, answered with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, string>,
    readonly headers: Record<string, string> = {},
  ) {
    super(body['error']);
  }
}

const maxBody = 16 * 1024;

/** The request's body, a JSON object; anything else is a 400 (a body over 16 KiB, a 413). */
export async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBody) throw new HttpError(413, { error: 'invalid_request', error_description: 'body too large' });
    chunks.push(buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpError(400, { error: 'invalid_request', error_description: 'expected a JSON object' });
}
