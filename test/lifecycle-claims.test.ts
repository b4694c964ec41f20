import { describe, expect, it } from 'vitest';
import { setup, unsignedJwt } from './helpers.js';

/** A JWT with `claims` and a signature nobody checks here. */
const jwt = (claims: unknown, signature = 'not-a-real-signature'): string =>
  unsignedJwt(claims, signature, { alg: 'RS256', typ: 'JWT' });

describe('getClaims', () => {
  it('is null without a session', () => {
    const { auth } = setup({}, null);

    expect(auth.getClaims()).toBeNull();
  });

  it('is null after logout', async () => {
    const { auth } = setup({}, { accessToken: jwt({ sub: 'user-1' }), refreshToken: 'refresh-0' });
    expect(auth.getClaims()).toEqual({ sub: 'user-1' });

    await auth.logout();

    expect(auth.getClaims()).toBeNull();
  });

  it.each([
    { label: 'an opaque token', token: 'opaque-0' },
    { label: 'a token of three garbage parts', token: 'a.b.c' },
    { label: 'a token whose payload is not JSON', token: `x.${Buffer.from('not json').toString('base64url')}.y` },
    { label: 'a JWT whose payload is a string', token: jwt('user-1') },
    { label: 'a JWT whose payload is null', token: jwt(null) },
  ])('is null for $label, without throwing', ({ token }) => {
    const { auth } = setup({}, { accessToken: token, refreshToken: 'refresh-0' });

    expect(() => auth.getClaims()).not.toThrow();
    expect(auth.getClaims()).toBeNull();
  });

  it('decodes the payload whatever the signature: decoded, not verified', () => {
    const claims = { sub: 'user-1', roles: ['admin'], org: { id: 7 } };
    const { auth } = setup({}, { accessToken: jwt(claims, 'forged'), refreshToken: 'refresh-0' });

    expect(auth.getClaims()).toEqual(claims);
  });

  it('follows the current access token through setTokens and refreshes', async () => {
    let minted = 0;
    const { auth } = setup(
      {
        refresh: () => {
          minted += 1;
          return { accessToken: jwt({ sub: 'user-2', version: minted }) };
        },
      },
      { accessToken: jwt({ sub: 'user-1' }), refreshToken: 'refresh-0' },
    );

    expect(auth.getClaims()).toEqual({ sub: 'user-1' });
    await auth.refresh({ force: true });
    expect(auth.getClaims()).toEqual({ sub: 'user-2', version: 1 });
    await auth.refresh({ force: true });
    expect(auth.getClaims()).toEqual({ sub: 'user-2', version: 2 });
    await auth.setTokens({ accessToken: 'opaque-b' });
    expect(auth.getClaims()).toBeNull();
    await auth.setTokens({ accessToken: jwt({ sub: 'user-3' }) });
    expect(auth.getClaims()).toEqual({ sub: 'user-3' });
  });
});
