/**
 * Why a request could not get a fresh token, or could not be replayed with it.
 *
 * - `REFRESH_REJECTED`: the refresh endpoint refused the refresh token (400/401, `invalid_grant`, or
 *   `isRefreshRejected` said so). The session was ended and `onLogout` was called.
 * - `REFRESH_FAILED`: the refresh failed for a reason that may pass (network error, 5xx, 429, an
 *   error thrown by `refresh`). Tokens are kept; a later request may refresh again.
 * - `REFRESH_TIMEOUT`: the refresh did not settle within `refreshTimeout`; its signal was aborted.
 *   Tokens are kept.
 * - `INVALID_REFRESH_RESPONSE`: `refresh` resolved without a usable access token. Tokens are kept.
 * - `SESSION_ENDED`: the session the request belonged to ended while it waited (`logout()`,
 *   `setTokens()` for a new session, or `eject()`).
 * - `BODY_NOT_REPLAYABLE`: the request was refused with a stale token and its body (a stream) cannot
 *   be sent again. The token was refreshed; send the request anew.
 */
export type RefreshErrorCode =
  | 'REFRESH_REJECTED'
  | 'REFRESH_FAILED'
  | 'REFRESH_TIMEOUT'
  | 'INVALID_REFRESH_RESPONSE'
  | 'SESSION_ENDED'
  | 'BODY_NOT_REPLAYABLE';

const messages: Record<RefreshErrorCode, string> = {
  REFRESH_REJECTED: 'Token refresh rejected; the session ended',
  REFRESH_FAILED: 'Token refresh failed; the tokens were kept',
  REFRESH_TIMEOUT: 'Token refresh timed out; the tokens were kept',
  INVALID_REFRESH_RESPONSE: 'Token refresh gave no usable access token',
  SESSION_ENDED: 'The session ended before the request was sent',
  BODY_NOT_REPLAYABLE: 'A stream body cannot be sent again; the token was refreshed, send the request anew',
};

/**
 * The one error this library raises for a request it could not authorize. Switch on `code`; the
 * failure behind it, if any, is `cause`. Messages never contain a token.
 */
export class RefreshError extends Error {
  override readonly name = 'RefreshError' as const;
  readonly code: RefreshErrorCode;

  constructor(code: RefreshErrorCode, options?: { cause?: unknown }) {
    super(messages[code], options);
    this.code = code;
  }
}

/**
 * Whether `error` is a {@link RefreshError}, also across realms and duplicated package copies
 * (matched by `name` and `code`, not only by `instanceof`).
 */
export function isRefreshError(error: unknown): error is RefreshError {
  return (
    error instanceof RefreshError ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { name?: unknown }).name === 'RefreshError' &&
      Object.prototype.hasOwnProperty.call(messages, String((error as { code?: unknown }).code)))
  );
}

/**
 * Rethrows `error` on its own turn (as an `EventTarget` does with a listener's error): where error
 * reporting sees it, without breaking what was running. For errors nobody is waiting on.
 */
export function reportAside(error: unknown): void {
  setTimeout(() => {
    throw error;
  });
}

const REDACTED = '[redacted]';

/**
 * Whether `redact` walks into `value`: errors, plain objects and arrays, and axios's header bags
 * (their own properties are the headers); never sockets, agents or other live objects.
 */
function isData(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return (
    value instanceof Error ||
    'isAxiosError' in value ||
    prototype === null ||
    prototype === Object.prototype ||
    Array.isArray(value) ||
    typeof (value as { normalize?: unknown }).normalize === 'function'
  );
}

/**
 * Removes `secrets` (tokens) from `error` in place, so that neither its message, nor `JSON.stringify`
 * or `util.inspect` of it or of anything in its `cause` chain shows them: every string that holds one
 * (as it is, or encoded for a URL or a form) gets it replaced by `[redacted]`, and the underlying
 * request objects (which keep raw headers) are dropped. Returns `error`, the same object.
 */
export function redact<T>(error: T, secrets: readonly (string | null | undefined)[]): T {
  const needles = secrets.flatMap((secret) =>
    secret ? [secret, encodeURIComponent(secret), new URLSearchParams({ v: secret }).toString().slice(2)] : [],
  );
  const seen = new Set<unknown>();
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string' || value instanceof URLSearchParams) {
      return needles.reduce((text, needle) => text.split(needle).join(REDACTED), String(value));
    }
    // A stream body keeps the request it was piped into, raw headers and all.
    if (typeof (value as { pipe?: unknown } | null)?.pipe === 'function') return REDACTED;
    if (!value || typeof value !== 'object' || seen.has(value) || !isData(value)) return value;
    seen.add(value);
    const record = value as Record<string, unknown>;
    // Own names, so an error's message, stack and cause are cleaned too.
    for (const key of Object.getOwnPropertyNames(record)) {
      if (key === 'request') delete record[key];
      else {
        const next = visit(record[key]);
        if (next !== record[key]) record[key] = next;
      }
    }
    return value;
  };
  if (needles.length) visit(error);
  return error;
}
