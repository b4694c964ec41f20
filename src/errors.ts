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
  REFRESH_REJECTED: 'The token refresh was rejected; the session has ended',
  REFRESH_FAILED: 'The token refresh failed; the tokens were kept',
  REFRESH_TIMEOUT: 'The token refresh timed out; the tokens were kept',
  INVALID_REFRESH_RESPONSE: 'The token refresh resolved without a usable access token',
  SESSION_ENDED: 'The session ended before the request could be sent',
  BODY_NOT_REPLAYABLE: 'The request was refused with a stale token and its body cannot be sent again; the token was refreshed, send it anew',
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

function isPlain(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || prototype === Object.prototype || Array.isArray(value);
}

/** axios's header bag: its own enumerable properties are the headers. */
function isHeaderBag(value: object): boolean {
  const bag = value as { set?: unknown; normalize?: unknown; toJSON?: unknown };
  return typeof bag.set === 'function' && typeof bag.normalize === 'function' && typeof bag.toJSON === 'function';
}

/**
 * Removes `secrets` (tokens) from `error` in place, so that neither its message, nor `JSON.stringify`
 * or `util.inspect` of it or of anything in its `cause` chain shows them: every string that holds one
 * gets it replaced by `[redacted]`, and the underlying request objects (which keep raw headers) are
 * dropped. Walks plain data only (objects, arrays, errors, header bags), never sockets or agents.
 * Returns `error`, the same object.
 */
export function redact<T>(error: T, secrets: readonly (string | null | undefined)[]): T {
  // Each secret also as it stands in a URL or a form-encoded body.
  const needles = [
    ...new Set(
      secrets
        .filter((secret): secret is string => !!secret)
        .flatMap((secret) => [secret, encodeURIComponent(secret), new URLSearchParams({ v: secret }).toString().slice(2)]),
    ),
  ];
  if (needles.length === 0) return error;
  const seen = new Set<object>();
  const clean = (text: string): string =>
    needles.reduce((result, needle) => result.split(needle).join(REDACTED), text);
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') return clean(value);
    if (value instanceof URLSearchParams) return clean(value.toString());
    // A stream body keeps the request it was piped into, raw headers and all.
    if (typeof (value as { pipe?: unknown } | null)?.pipe === 'function') return REDACTED;
    if (typeof value !== 'object' || value === null || seen.has(value)) return value;
    const isError = value instanceof Error || ('isAxiosError' in value && 'config' in value);
    if (!isError && !isPlain(value) && !isHeaderBag(value)) return value;
    seen.add(value);
    const record = value as Record<string, unknown>;
    if (isError) {
      delete record.request;
      for (const key of ['message', 'stack'] as const) {
        if (typeof record[key] === 'string') record[key] = clean(record[key]);
      }
      if ('cause' in record) visit(record.cause);
    }
    for (const key of Object.keys(record)) {
      if (key === 'request') delete record[key];
      else {
        const next = visit(record[key]);
        if (next !== record[key]) record[key] = next;
      }
    }
    return value;
  };
  visit(error);
  return error;
}
