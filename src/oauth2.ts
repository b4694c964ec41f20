import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { RefreshError, redact } from './errors.js';
import type { RefreshContext } from './options.js';
import type { TokenSet } from './token.js';

/** Options shared by the OAuth 2.0 presets. */
export interface OAuth2ClientOptions {
  /** The authorization server's token endpoint, e.g. `https://auth.example.com/oauth/token`. */
  tokenUrl: string;
  /** The client's identifier. */
  clientId: string;
  /**
   * The client's secret, for confidential clients: sent with HTTP Basic authentication, or in the
   * body with `clientAuthentication: 'post'`. Public clients (browsers, apps) have none.
   * @default undefined
   */
  clientSecret?: string | undefined;
  /**
   * How a secret is presented: `'basic'` (RFC 6749 §2.3.1, every server supports it) or `'post'`.
   * @default 'basic'
   */
  clientAuthentication?: 'basic' | 'post' | undefined;
  /**
   * The scope to ask for (space-separated).
   * @default undefined (the grant's own)
   */
  scope?: string | undefined;
  /**
   * More form parameters for the token request, e.g. `{ resource: 'https://api.example.com' }`
   * (RFC 8707) or `{ audience: '…' }`.
   * @default {}
   */
  params?: Readonly<Record<string, string>> | undefined;
  /**
   * The axios instance that calls the token endpoint. It must not be the instance the interceptor is
   * attached to, nor carry its interceptors.
   * @default a new `axios.create()`, with no interceptors
   */
  client?: AxiosInstance | undefined;
}

/** What the token endpoint answers (RFC 6749 §5.1). */
interface TokenResponse {
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
}

function check(name: string, value: unknown, optional: boolean): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`axios-refresh-interceptor: oauth2: ${name} must be a non-empty string; received ${typeof value}`);
  }
}

/** Builds the token request for `grant` and reads its answer into a token set. */
function tokenRequest(
  options: OAuth2ClientOptions,
  grant: (context: RefreshContext) => Record<string, string>,
): (context: RefreshContext) => Promise<TokenSet> {
  const { tokenUrl, clientId, clientSecret, clientAuthentication = 'basic', scope, params = {} } = options;
  check('tokenUrl', tokenUrl, false);
  check('clientId', clientId, false);
  check('clientSecret', clientSecret, true);
  check('scope', scope, true);
  if (clientAuthentication !== 'basic' && clientAuthentication !== 'post') {
    throw new TypeError(
      `axios-refresh-interceptor: oauth2: clientAuthentication must be 'basic' or 'post'; received ${String(clientAuthentication)}`,
    );
  }
  if (typeof params !== 'object' || params === null || Object.values(params).some((value) => typeof value !== 'string')) {
    throw new TypeError(`axios-refresh-interceptor: oauth2: params must be an object of strings; received ${typeof params}`);
  }
  if (options.client !== undefined && typeof (options.client as { post?: unknown } | null)?.post !== 'function') {
    throw new TypeError(`axios-refresh-interceptor: oauth2: client must be an axios instance; received ${typeof options.client}`);
  }
  let client = options.client;
  return async (context) => {
    const body = new URLSearchParams({ ...params, ...grant(context) });
    if (scope !== undefined) body.set('scope', scope);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'Content-Type': 'application/x-www-form-urlencoded',
    };
    if (clientSecret !== undefined && clientAuthentication === 'basic') {
      // RFC 6749 §2.3.1: the identifier and secret are form-encoded before Basic encoding.
      headers.Authorization = `Basic ${btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`)}`;
    } else {
      body.set('client_id', clientId);
      if (clientSecret !== undefined) body.set('client_secret', clientSecret);
    }
    client ??= axios.create();
    let data: unknown;
    try {
      ({ data } = await client.post<TokenResponse>(tokenUrl, body, { signal: context.signal, headers }));
    } catch (error) {
      // The failure is told onward without the client's credentials in it.
      throw redact(error, [clientSecret, headers.Authorization]);
    }
    const answer: TokenResponse = typeof data === 'object' && data !== null ? (data as TokenResponse) : {};
    const given = answer.expires_in;
    const expiresIn = typeof given === 'number' || (typeof given === 'string' && given.trim() !== '') ? Number(given) : Number.NaN;
    return {
      accessToken: answer.access_token as string,
      refreshToken: typeof answer.refresh_token === 'string' ? answer.refresh_token : undefined,
      expiresIn: Number.isFinite(expiresIn) && expiresIn >= 0 ? expiresIn : undefined,
    };
  };
}

/**
 * A ready `refresh` for an OAuth 2.0 token endpoint (RFC 6749 §6): a form-encoded
 * `grant_type=refresh_token` request with the session's refresh token, from an axios instance that
 * does not pass through the interceptor. `expires_in` becomes the token set's expiry; a rotated
 * refresh token replaces the old one, and when none is returned the old one is kept. Without a
 * refresh token it ends the session (`REFRESH_REJECTED`).
 *
 * @example
 * ```ts
 * attachRefreshInterceptor(api, {
 *   refresh: oauth2Refresh({ tokenUrl: 'https://auth.example.com/oauth/token', clientId: 'spa' }),
 * });
 * ```
 */
export function oauth2Refresh(options: OAuth2ClientOptions): (context: RefreshContext) => Promise<TokenSet> {
  return tokenRequest(options, ({ refreshToken }) => {
    if (!refreshToken) throw new RefreshError('REFRESH_REJECTED');
    return { grant_type: 'refresh_token', refresh_token: refreshToken };
  });
}

/**
 * A ready `refresh` for the client-credentials grant (RFC 6749 §4.4), for services calling APIs
 * on their own behalf: "refreshing" fetches a new access token with the client's credentials. Use
 * it with `refreshWithoutTokens: true`, so the first request fetches the first token.
 *
 * @example
 * ```ts
 * attachRefreshInterceptor(billing, {
 *   refresh: oauth2ClientCredentials({ tokenUrl, clientId: 'reports', clientSecret, scope: 'billing:read' }),
 *   refreshWithoutTokens: true,
 * });
 * ```
 */
export function oauth2ClientCredentials(
  options: OAuth2ClientOptions & { clientSecret: string },
): (context: RefreshContext) => Promise<TokenSet> {
  check('clientSecret', options?.clientSecret, false);
  return tokenRequest(options, () => ({ grant_type: 'client_credentials' }));
}
