import { createHash, randomBytes } from 'node:crypto';
import { API_RESOURCE, API_SCOPE, CLIENT_ID, REDIRECT_URI } from './provider.js';
import type { AuthServer } from './provider.js';

/** A token endpoint answer (RFC 6749 §5.1). */
export interface TokenResponse {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly expires_in: number;
  readonly token_type: string;
  readonly scope?: string;
}

/** `name=value` pairs from `Set-Cookie`, carried by hand: the flow goes through one browser only. */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? '';
      const at = pair.indexOf('=');
      if (at > 0) this.#cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const base64url = (bytes: Buffer): string => bytes.toString('base64url');

/**
 * Logs in as a browser would, over plain HTTP: the authorization request (code flow, PKCE S256,
 * `offline_access` with `prompt=consent`, the API as resource), every redirect followed with the
 * provider's cookies through the login and consent interactions, then the code exchanged at the
 * token endpoint. Resolves with the first token set.
 */
export async function loginWithPkce(server: AuthServer): Promise<TokenResponse> {
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash('sha256').update(verifier).digest());
  const state = base64url(randomBytes(16));
  const authorize = new URL('/auth', server.issuer);
  authorize.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: `openid offline_access ${API_SCOPE}`,
    resource: API_RESOURCE,
    prompt: 'consent',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }).toString();

  const jar = new CookieJar();
  let location = authorize.href;
  for (let hop = 0; !location.startsWith(REDIRECT_URI); hop += 1) {
    if (hop === 10) throw new Error('login: too many redirects');
    const response = await fetch(location, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(response);
    const next = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !next) {
      throw new Error(`login: ${location} answered ${response.status} ${await response.text()}`);
    }
    location = new URL(next, location).href;
  }

  const callback = new URL(location).searchParams;
  const code = callback.get('code');
  if (!code || callback.get('state') !== state) {
    throw new Error(`login: the authorization ended with ${callback.get('error') ?? 'no code'}`);
  }
  const response = await fetch(server.tokenEndpoint, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: CLIENT_ID,
    }),
  });
  const tokens = (await response.json()) as Partial<TokenResponse>;
  if (!response.ok || typeof tokens.access_token !== 'string' || typeof tokens.refresh_token !== 'string') {
    throw new Error(`login: the code exchange answered ${response.status} ${JSON.stringify(Object.keys(tokens))}`);
  }
  return tokens as TokenResponse;
}
