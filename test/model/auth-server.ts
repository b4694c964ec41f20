import type { TokenSet } from '../../src/index.js';

/**
 * How the token endpoint treats one refresh request, drawn in order from the scenario.
 * - `rotate`: the grant is processed: a current refresh token is rotated, a spent one is reuse.
 * - `slow`: as `rotate`, but `refreshTimeout` may pass before the answer comes.
 * - `reject`: 400 `invalid_grant` (the refresh token expired); the session's tokens are revoked.
 * - `network-error`: the request never reaches the server; the client sees a network error.
 * - `server-error`: 503 before the grant is processed.
 * - `hang`: the request never reaches the server and nothing answers it: `refreshTimeout` passes.
 * - `malformed`: 200 with an HTML page (a proxy's), the grant unprocessed.
 */
export type RefreshOutcome = 'rotate' | 'slow' | 'reject' | 'network-error' | 'server-error' | 'hang' | 'malformed';

/** An HTTP answer of the fake servers. */
export interface Answer {
  readonly status: number;
  readonly data: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the token endpoint answers on success (OAuth 2.0 field names). */
export interface TokenResponse {
  readonly access_token: string;
  readonly refresh_token?: string;
}

/** Token values name their session and generation: `s2.a3` is the 4th access token of session 2. */
export interface TokenName {
  readonly session: number;
  readonly kind: 'a' | 'r';
  readonly generation: number;
}

export function parseToken(token: string): TokenName | undefined {
  const match = /^s(\d+)\.([ar])(\d+)$/.exec(token);
  if (!match) return undefined;
  return { session: Number(match[1]), kind: match[2] === 'a' ? 'a' : 'r', generation: Number(match[3]) };
}

/** One login: the token family the server keeps for it. */
interface Family {
  readonly session: number;
  generation: number;
  /** The only access token the resource server accepts; `undefined` once expired or revoked. */
  access: string | undefined;
  /** The only refresh token the token endpoint accepts; `undefined` once revoked. */
  refresh: string | undefined;
  /** Refresh tokens already exchanged: presenting one again is reuse. */
  readonly spent: Set<string>;
}

export interface AuthServer {
  /** A new session (a login): a new token family. */
  login(): TokenSet;
  /** Every access token currently accepted expires; the next refresh mints a new one. */
  expireAccessTokens(): void;
  /** The outcome of the next refresh request, in the scenario's order (`rotate` once they run out). */
  nextRefreshOutcome(): RefreshOutcome;
  /** The token endpoint's answer to a grant that reached it (`rotate` or `reject`). */
  grant(refreshToken: string | undefined, outcome: 'rotate' | 'reject'): Answer;
  /** The resource server's answer to a request carrying `accessToken`. */
  resource(accessToken: string | undefined): Answer;
  /** How many times a spent refresh token was presented again. */
  readonly reuseDetected: number;
  /** Distinct access tokens the resource server refused. */
  readonly refusedTokens: ReadonlySet<string>;
}

const invalidGrant: Answer = { status: 400, data: { error: 'invalid_grant' } };

/**
 * A token endpoint with refresh-token rotation and reuse detection (a spent refresh token presented
 * again revokes its whole family, OAuth 2.0 Security BCP §4.14), and a resource server that accepts
 * only the current access token of a family.
 */
export function createAuthServer(outcomes: readonly RefreshOutcome[]): AuthServer {
  const families = new Map<number, Family>();
  const refused = new Set<string>();
  let reuse = 0;
  let drawn = 0;

  const familyOf = (token: string | undefined, kind: 'a' | 'r'): Family | undefined => {
    const name = token === undefined ? undefined : parseToken(token);
    return name?.kind === kind ? families.get(name.session) : undefined;
  };
  const revoke = (family: Family): void => {
    family.access = undefined;
    family.refresh = undefined;
  };

  return {
    login() {
      const session = families.size + 1;
      const family: Family = { session, generation: 0, access: `s${session}.a0`, refresh: `s${session}.r0`, spent: new Set() };
      families.set(session, family);
      return { accessToken: `s${session}.a0`, refreshToken: `s${session}.r0` };
    },
    expireAccessTokens() {
      for (const family of families.values()) family.access = undefined;
    },
    nextRefreshOutcome() {
      const outcome = outcomes[drawn] ?? 'rotate';
      drawn += 1;
      return outcome;
    },
    grant(refreshToken, outcome) {
      const family = familyOf(refreshToken, 'r');
      if (!family || refreshToken === undefined) return invalidGrant;
      if (family.spent.has(refreshToken)) {
        reuse += 1;
        revoke(family);
        return invalidGrant;
      }
      if (refreshToken !== family.refresh) return invalidGrant;
      if (outcome === 'reject') {
        revoke(family);
        return invalidGrant;
      }
      family.spent.add(refreshToken);
      family.generation += 1;
      family.access = `s${family.session}.a${family.generation}`;
      family.refresh = `s${family.session}.r${family.generation}`;
      const body: TokenResponse = { access_token: family.access, refresh_token: family.refresh };
      return { status: 200, data: body };
    },
    resource(accessToken) {
      const family = familyOf(accessToken, 'a');
      if (family && accessToken !== undefined && family.access === accessToken) {
        return { status: 200, data: { ok: true } };
      }
      if (accessToken !== undefined) refused.add(accessToken);
      return { status: 401, data: { error: 'invalid_token' }, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
    },
    get reuseDetected() {
      return reuse;
    },
    refusedTokens: refused,
  };
}
