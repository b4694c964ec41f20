import { jwtDecode } from 'jwt-decode';

/** The tokens of one session. */
export interface TokenSet {
  /** Sent as `<header>: <scheme> <accessToken>`. A JWT or an opaque string. */
  readonly accessToken: string;
  /** Given to `refresh`. Kept when a refresh answer has none (RFC 6749 §6). */
  readonly refreshToken?: string | undefined;
  /**
   * When the access token expires, in milliseconds since the epoch. When absent, a JWT's `exp`
   * claim is used; a token with neither is refreshed only after a 401.
   */
  readonly expiresAt?: number | undefined;
}

/** Visible ASCII only: no spaces, no CR/LF, nothing that could split or forge a header. */
const usable = /^[\x21-\x7e]+$/;

/**
 * Why `value` is not a usable token set, or `undefined` when it is. Never mentions a token's value.
 */
export function tokenSetProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'must be an object';
  const { accessToken, refreshToken, expiresAt } = value as Record<string, unknown>;
  if (typeof accessToken !== 'string' || !usable.test(accessToken)) {
    return 'accessToken must be a non-empty string of visible ASCII characters';
  }
  if (refreshToken !== undefined && (typeof refreshToken !== 'string' || !usable.test(refreshToken))) {
    return 'refreshToken must be a non-empty string of visible ASCII characters, or undefined';
  }
  if (expiresAt !== undefined && !Number.isFinite(expiresAt)) {
    return 'expiresAt must be a finite number of milliseconds since the epoch, or undefined';
  }
  return undefined;
}

function claim(payload: unknown, name: 'exp' | 'iat'): number | undefined {
  const value = (payload as Record<string, unknown>)[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * When `tokens` expire on the local clock, or `undefined` when unknown. A JWT is decoded, never
 * verified; a malformed one counts as opaque. For a token just minted by a refresh, the lifetime
 * `exp - iat` is counted from `receivedAt`, so a client clock that is off does not matter.
 */
export function expiryOf(tokens: TokenSet, receivedAt: number, minted: boolean): number | undefined {
  if (tokens.expiresAt !== undefined) return tokens.expiresAt;
  let payload: unknown;
  try {
    payload = jwtDecode(tokens.accessToken);
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null) return undefined;
  const exp = claim(payload, 'exp');
  if (exp === undefined) return undefined;
  const iat = claim(payload, 'iat');
  return minted && iat !== undefined && exp > iat ? receivedAt + (exp - iat) * 1000 : exp * 1000;
}

/**
 * When a request should refresh `tokens` before it is sent, or `undefined` for never: `leeway`
 * before expiry, at most half the remaining lifetime. A token minted already expired on the local
 * clock is not refreshed ahead (its 401 will tell), so a wrong clock cannot cause a refresh loop.
 */
export function refreshDueAt(
  tokens: TokenSet,
  receivedAt: number,
  minted: boolean,
  leeway: number,
): number | undefined {
  const expiresAt = expiryOf(tokens, receivedAt, minted);
  if (expiresAt === undefined) return undefined;
  const lifetime = expiresAt - receivedAt;
  if (lifetime <= 0) return minted ? undefined : receivedAt;
  return expiresAt - Math.min(leeway, lifetime / 2);
}
