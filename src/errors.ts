/**
 * Why a request could not get a fresh token.
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
 */
export type RefreshErrorCode =
  | 'REFRESH_REJECTED'
  | 'REFRESH_FAILED'
  | 'REFRESH_TIMEOUT'
  | 'INVALID_REFRESH_RESPONSE'
  | 'SESSION_ENDED';

const messages: Record<RefreshErrorCode, string> = {
  REFRESH_REJECTED: 'The token refresh was rejected; the session has ended',
  REFRESH_FAILED: 'The token refresh failed; the tokens were kept',
  REFRESH_TIMEOUT: 'The token refresh timed out; the tokens were kept',
  INVALID_REFRESH_RESPONSE: 'The token refresh resolved without a usable access token',
  SESSION_ENDED: 'The session ended before the request could be sent',
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
