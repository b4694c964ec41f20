import axios from 'axios';
import type { AxiosError, AxiosInstance, AxiosRequestConfig, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { assertType, describe, expectTypeOf, test } from 'vitest';
import { RefreshError, attachRefreshInterceptor, isRefreshError } from '../src/index.js';
import type {
  LogoutEvent,
  LogoutReason,
  RefreshContext,
  RefreshErrorCode,
  RefreshInterceptorHandle,
  RefreshInterceptorOptions,
  SessionEvent,
  TokenSet,
} from '../src/index.js';

type Options = Parameters<typeof attachRefreshInterceptor>[1];

const api = axios.create({ baseURL: 'https://api.example.test' });

describe('per-request flags', () => {
  test('skipAuth and skipAuthRefresh are request options, typed without casts', () => {
    assertType<Promise<AxiosResponse>>(api.get('/health', { skipAuth: true }));
    assertType<Promise<AxiosResponse>>(api.post('/events', { event: 'x' }, { skipAuthRefresh: true }));
    assertType<Promise<AxiosResponse>>(api.request({ url: '/me', skipAuth: false, skipAuthRefresh: false }));
    api.defaults.skipAuth = true;
    api.interceptors.request.use((config: InternalAxiosRequestConfig) => {
      expectTypeOf(config.skipAuth).toEqualTypeOf<boolean | undefined>();
      return config;
    });
    expectTypeOf<AxiosRequestConfig['skipAuth']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<AxiosRequestConfig['skipAuthRefresh']>().toEqualTypeOf<boolean | undefined>();
  });

  test('flags of another type are errors', () => {
    // @ts-expect-error skipAuth is a boolean
    void api.get('/health', { skipAuth: 'yes' });
    // @ts-expect-error skipAuthRefresh is a boolean
    void api.get('/health', { skipAuthRefresh: 1 });
  });
});

describe('attachRefreshInterceptor', () => {
  test('takes an axios instance and options, and returns the handle', () => {
    expectTypeOf(attachRefreshInterceptor).parameters.toEqualTypeOf<[AxiosInstance, RefreshInterceptorOptions]>();
    expectTypeOf(attachRefreshInterceptor).returns.toEqualTypeOf<RefreshInterceptorHandle>();
  });

  test('options require refresh, and nothing else', () => {
    // @ts-expect-error refresh is required
    assertType<RefreshInterceptorOptions>({});
    // @ts-expect-error refresh is required
    assertType<RefreshInterceptorOptions>({ tokens: { accessToken: 'a' }, onLogout: () => undefined });
    assertType<RefreshInterceptorOptions>({ refresh: () => ({ accessToken: 'a' }) });
    assertType<RefreshInterceptorOptions>({ refresh: async ({ refreshToken }) => ({ accessToken: refreshToken ?? 'a' }) });
    expectTypeOf<Options>().toEqualTypeOf<RefreshInterceptorOptions>();
  });

  test('refresh is given a typed context and returns a token set, sync or async', () => {
    expectTypeOf<Options['refresh']>().parameters.toEqualTypeOf<[RefreshContext]>();
    expectTypeOf<Options['refresh']>().returns.toEqualTypeOf<Promise<TokenSet> | TokenSet>();
    expectTypeOf<RefreshContext>().toEqualTypeOf<{
      readonly refreshToken: string | undefined;
      readonly tokens: TokenSet | null;
      readonly signal: AbortSignal;
    }>();
    expectTypeOf<TokenSet>().toEqualTypeOf<{
      readonly accessToken: string;
      readonly refreshToken?: string | null | undefined;
      readonly expiresAt?: number | undefined;
      readonly expiresIn?: number | undefined;
    }>();
  });

  test('every optional option has a precise type', () => {
    expectTypeOf<Options['onLogout']>().toEqualTypeOf<((event: LogoutEvent) => void | Promise<void>) | undefined>();
    expectTypeOf<Options['tokens']>().toEqualTypeOf<TokenSet | null | undefined>();
    expectTypeOf<Options['header']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Options['scheme']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Options['allowedOrigins']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<Options['refreshTimeout']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Options['leeway']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Options['isRefreshRejected']>().toEqualTypeOf<((error: unknown) => boolean) | undefined>();
    expectTypeOf<Options['now']>().toEqualTypeOf<(() => number) | undefined>();
    expectTypeOf<NonNullable<Options['shouldRefresh']>>().returns.toEqualTypeOf<boolean>();
    expectTypeOf<Parameters<NonNullable<Options['shouldRefresh']>>[0]>().toExtend<AxiosError>();
  });

  test('the error shouldRefresh is given carries no any', () => {
    type Given = Parameters<NonNullable<Options['shouldRefresh']>>[0];
    expectTypeOf<NonNullable<Given['response']>['data']>().not.toBeAny();
    expectTypeOf<NonNullable<Given['config']>['data']>().not.toBeAny();
  });
});

describe('the handle', () => {
  test('has the documented methods', () => {
    expectTypeOf<RefreshInterceptorHandle['setTokens']>().toEqualTypeOf<(tokens: TokenSet) => Promise<void>>();
    expectTypeOf<RefreshInterceptorHandle['getTokens']>().toEqualTypeOf<() => TokenSet | null>();
    expectTypeOf<RefreshInterceptorHandle['refresh']>().toEqualTypeOf<(options?: { force?: boolean }) => Promise<TokenSet>>();
    expectTypeOf<RefreshInterceptorHandle['logout']>().toEqualTypeOf<() => Promise<void>>();
    expectTypeOf<RefreshInterceptorHandle['subscribe']>().toEqualTypeOf<(listener: (event: SessionEvent) => void) => () => void>();
    expectTypeOf<RefreshInterceptorHandle['eject']>().toEqualTypeOf<() => void>();
  });

  test('reports session events as a union discriminated by type', () => {
    expectTypeOf<SessionEvent['type']>().toEqualTypeOf<'set' | 'refreshing' | 'refreshed' | 'refresh-failed' | 'logout'>();
    expectTypeOf<Extract<SessionEvent, { type: 'refreshed' }>>().toEqualTypeOf<{
      readonly type: 'refreshed';
      readonly tokens: TokenSet;
    }>();
    expectTypeOf<Extract<SessionEvent, { type: 'refresh-failed' }>['error']>().toEqualTypeOf<RefreshError>();
    expectTypeOf<LogoutReason>().toEqualTypeOf<'refresh-rejected' | 'logout' | 'other-tab'>();
    expectTypeOf<LogoutEvent>().toEqualTypeOf<{ readonly reason: LogoutReason; readonly error?: RefreshError }>();
  });
});

describe('errors', () => {
  test('RefreshErrorCode is the documented union, and the code of RefreshError', () => {
    expectTypeOf<RefreshErrorCode>().toEqualTypeOf<
      | 'REFRESH_REJECTED'
      | 'REFRESH_FAILED'
      | 'REFRESH_TIMEOUT'
      | 'INVALID_REFRESH_RESPONSE'
      | 'SESSION_ENDED'
      | 'BODY_NOT_REPLAYABLE'
    >();
    expectTypeOf<RefreshError['code']>().toEqualTypeOf<RefreshErrorCode>();
    expectTypeOf<RefreshError['name']>().toEqualTypeOf<'RefreshError'>();
    expectTypeOf<RefreshError>().toExtend<Error>();
  });

  test('isRefreshError narrows unknown to RefreshError', () => {
    expectTypeOf(isRefreshError).parameter(0).toEqualTypeOf<unknown>();
    expectTypeOf(isRefreshError).guards.toEqualTypeOf<RefreshError>();
    const error: unknown = new Error('x');
    if (isRefreshError(error)) {
      expectTypeOf(error.code).toEqualTypeOf<RefreshErrorCode>();
      expectTypeOf(error.cause).toEqualTypeOf<unknown>();
    }
  });
});
