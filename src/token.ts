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

/** When a token expires on the local clock, and its whole lifetime when known (both in ms). */
interface Expiry {
  readonly expiresAt: number;
  readonly lifetime: number | undefined;
}

/**
 * When `tokens` expire on the local clock, or `undefined` when unknown. A JWT is decoded, never
 * verified; a malformed one counts as opaque. For a token just minted by a refresh, the lifetime
 * `exp - iat` is counted from `receivedAt`, so a client clock that is off does not matter.
 */
function expiryOf(tokens: TokenSet, receivedAt: number, minted: boolean): Expiry | undefined {
  if (tokens.expiresAt !== undefined) {
    return { expiresAt: tokens.expiresAt, lifetime: minted ? tokens.expiresAt - receivedAt : undefined };
  }
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
  const lifetime = iat !== undefined && exp > iat ? (exp - iat) * 1000 : undefined;
  return { expiresAt: minted && lifetime !== undefined ? receivedAt + lifetime : exp * 1000, lifetime };
}

/**
 * When a request should refresh `tokens` before it is sent, or `undefined` for never: `leeway`
 * before expiry, capped at half the token's lifetime when known. A token minted already expired on
 * the local clock is not refreshed ahead (its 401 will tell), so a wrong clock cannot cause a
 * refresh loop.
 */
export function refreshDueAt(
  tokens: TokenSet,
  receivedAt: number,
  minted: boolean,
  leeway: number,
): number | undefined {
  const expiry = expiryOf(tokens, receivedAt, minted);
  if (expiry === undefined) return undefined;
  const { expiresAt, lifetime } = expiry;
  if (minted && expiresAt <= receivedAt) return undefined;
  return expiresAt - (lifetime === undefined ? leeway : Math.min(leeway, lifetime / 2));
}
