import { jwtDecode } from 'jwt-decode';

/** The tokens of one session. */
export interface TokenSet {
  /** Sent as `<header>: <scheme> <accessToken>`. A JWT or an opaque string. */
  readonly accessToken: string;
  /** Given to `refresh`. Kept when a refresh answer has none (RFC 6749 §6). */
  readonly refreshToken?: string | null | undefined;
  /**
   * When the access token expires, in milliseconds since the epoch of the local clock. Filled in
   * by the library when it can tell (from `expiresIn` or a JWT's `exp`), so that stored tokens keep it.
   */
  readonly expiresAt?: number | undefined;
  /**
   * Seconds the access token is valid from now, as OAuth 2.0's `expires_in` (RFC 6749 §5.1).
   * Counted from when the token set is received, so a wrong client clock does not matter; turned
   * into `expiresAt` on receipt. Takes precedence over `expiresAt` and the JWT `exp` claim.
   */
  readonly expiresIn?: number | undefined;
}

/** Visible ASCII only: no spaces, no CR/LF, nothing that could split or forge a header. */
const usable = /^[\x21-\x7e]+$/;

/**
 * Why `value` is not a usable token set, or `undefined` when it is. Never mentions a token's value.
 */
export function tokenSetProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'must be an object';
  const { accessToken, refreshToken, expiresAt, expiresIn } = value as Record<string, unknown>;
  if (typeof accessToken !== 'string' || !usable.test(accessToken)) {
    return 'accessToken must be a non-empty string of visible ASCII characters';
  }
  if (refreshToken != null && (typeof refreshToken !== 'string' || !usable.test(refreshToken))) {
    return 'refreshToken must be a non-empty string of visible ASCII characters, or absent';
  }
  if (expiresAt !== undefined && !Number.isFinite(expiresAt)) {
    return 'expiresAt must be a finite number of milliseconds since the epoch, or undefined';
  }
  if (expiresIn !== undefined && !Number.isFinite(expiresIn)) {
    return 'expiresIn must be a finite number of seconds, or undefined';
  }
  return undefined;
}

function claim(payload: Record<string, unknown>, name: 'exp' | 'iat'): number | undefined {
  const value = payload[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The payload of a JWT, decoded and never verified; `undefined` for an opaque or malformed token. */
export function claimsOf(accessToken: string): Record<string, unknown> | undefined {
  try {
    const payload: unknown = jwtDecode(accessToken);
    return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A token set as kept: its expiry on the local clock, and when a request should refresh it first. */
export interface ReceivedTokens {
  readonly tokens: TokenSet;
  /** When a request should refresh the tokens before it is sent; `undefined` for never. */
  readonly dueAt: number | undefined;
}

/**
 * Takes in a token set at `receivedAt`: resolves its expiry on the local clock (from `expiresIn`,
 * else `expiresAt`, else the JWT `exp` claim) and keeps it as `expiresAt`. A request should refresh
 * `leeway` before that, capped at half the token's lifetime when known (`expiresIn`, a JWT's
 * `exp - iat`). For a token just `minted` by a refresh, a JWT's lifetime counts from `receivedAt`
 * (a wrong client clock does not matter); one whose lifetime is unknown (no `iat`, no `expiresIn`)
 * or that is due on arrival is not refreshed ahead (its 401 will tell), so a wrong clock cannot
 * cause a refresh loop.
 */
export function receive(input: TokenSet, receivedAt: number, minted: boolean, leeway: number): ReceivedTokens {
  const { expiresIn, ...tokens } = input;
  const claims = claimsOf(tokens.accessToken);
  const exp = claims && claim(claims, 'exp');
  const iat = claims && claim(claims, 'iat');
  let lifetime = exp !== undefined && iat !== undefined && exp > iat ? (exp - iat) * 1000 : undefined;
  let expiresAt = tokens.expiresAt;
  if (expiresIn !== undefined) {
    lifetime = expiresIn * 1000;
    expiresAt = receivedAt + lifetime;
  } else if (expiresAt === undefined && exp !== undefined) {
    expiresAt = minted && lifetime !== undefined ? receivedAt + lifetime : exp * 1000;
  } else if (expiresAt !== undefined && minted) {
    lifetime = expiresAt - receivedAt;
  }
  // Beyond any date (a JWT with a huge exp): as good as no expiry.
  if (expiresAt === undefined || !Number.isFinite(expiresAt)) return { tokens, dueAt: undefined };
  const dueAt = expiresAt - (lifetime === undefined ? leeway : Math.min(leeway, lifetime / 2));
  // A minted token whose lifetime is unknown (a JWT `exp` without `iat`, read on a clock that may be
  // wrong), or already due (an expiry shorter than the leeway): refreshing ahead would bring one
  // just like it, again and again, so its 401 decides instead.
  const unsure = minted && (lifetime === undefined || dueAt <= receivedAt);
  return { tokens: { ...tokens, expiresAt }, dueAt: unsure ? undefined : dueAt };
}
