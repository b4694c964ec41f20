import axios from 'axios';
import { describe, expectTypeOf, test } from 'vitest';
import { attachRefreshInterceptor } from '../src/index.js';
import type { RefreshInterceptorHandle, TokenSet } from '../src/index.js';

interface AppClaims {
  readonly sub: string;
  readonly plan: 'free' | 'pro';
}

const auth = attachRefreshInterceptor(axios.create(), { refresh: () => ({ accessToken: 'a' }) });

describe('getClaims', () => {
  test('is typed by its generic, or null', () => {
    expectTypeOf(auth.getClaims<AppClaims>()).toEqualTypeOf<AppClaims | null>();
    const claims = auth.getClaims<AppClaims>();
    if (claims) expectTypeOf(claims.plan).toEqualTypeOf<'free' | 'pro'>();
  });

  test('defaults to a record of unknown values, never any', () => {
    expectTypeOf(auth.getClaims()).toEqualTypeOf<Record<string, unknown> | null>();
    expectTypeOf(auth.getClaims()).not.toBeAny();
    const claims = auth.getClaims();
    if (claims) expectTypeOf(claims['exp']).toEqualTypeOf<unknown>();
  });

  test('accepts only object types', () => {
    // @ts-expect-error claims are an object
    auth.getClaims<string>();
    // @ts-expect-error claims are an object
    auth.getClaims<number>();
  });

  test('takes no arguments', () => {
    expectTypeOf<RefreshInterceptorHandle['getClaims']>().parameters.toEqualTypeOf<[]>();
  });
});

describe('lifecycle options and results', () => {
  test('scheduleRefresh is an optional boolean and TokenSet takes expiresIn in seconds', () => {
    expectTypeOf<Parameters<typeof attachRefreshInterceptor>[1]['scheduleRefresh']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<TokenSet['expiresIn']>().toEqualTypeOf<number | undefined>();
  });

  test('a forced refresh resolves with a token set', () => {
    expectTypeOf(auth.refresh({ force: true })).toEqualTypeOf<Promise<TokenSet>>();
  });
});
