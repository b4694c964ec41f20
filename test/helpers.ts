import axios from 'axios';
import type { AxiosAdapter, AxiosError, AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { attachRefreshInterceptor } from '../src/index.js';
import type { RefreshContext, RefreshInterceptorHandle, RefreshInterceptorOptions, TokenSet } from '../src/index.js';

export const BASE_URL = 'https://api.example.test';

/**
 * One of axios's adapters, telling `on401` of every 401 it receives: what the transport sees. The
 * library replays inside its own adapter, so interceptors see only a request's final outcome.
 */
export function adapterWatching401(on401: (error: AxiosError) => void, name: 'http' | 'fetch' = 'http'): AxiosAdapter {
  const transport = axios.getAdapter(name);
  return (config) =>
    transport(config).catch((error: unknown) => {
      if (axios.isAxiosError(error) && error.response?.status === 401) on401(error);
      throw error;
    });
}

/** A promise settled from outside: the way tests decide when things happen. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (several macrotask turns' worth of microtasks). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** An unsigned JWT with `payload` as its claims: the library decodes it and never verifies it. */
export function unsignedJwt(payload: unknown, signature = 'sig', header: object = { alg: 'none', typ: 'JWT' }): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}

/** Milliseconds to whole seconds, as JWT `exp` and `iat` count. */
export const seconds = (ms: number): number => Math.floor(ms / 1000);

/** The token a request carried, without the scheme; `undefined` when it carried none. */
export function tokenOf(config: InternalAxiosRequestConfig | { headers?: unknown }): string | undefined {
  const headers = config.headers as { get?: (name: string) => unknown } | Record<string, unknown> | undefined;
  const value = typeof headers?.get === 'function' ? headers.get('Authorization') : (headers as Record<string, unknown> | undefined)?.Authorization;
  return typeof value === 'string' ? value.replace(/^Bearer /, '') : undefined;
}

/**
 * axios-mock-adapter's types import axios as CommonJS, so under NodeNext its `AxiosInstance` is a
 * second, nominally different type; the instance itself is the same.
 */
export function createMock(api: AxiosInstance): MockAdapter {
  return new MockAdapter(api as unknown as ConstructorParameters<typeof MockAdapter>[0]);
}

export interface Setup {
  readonly api: AxiosInstance;
  readonly mock: MockAdapter;
  readonly auth: RefreshInterceptorHandle;
  /** Every call of the `refresh` option, with its context. */
  readonly refreshCalls: RefreshContext[];
}

/**
 * An axios instance on `BASE_URL` answered by axios-mock-adapter, with the interceptor attached.
 * `refresh` defaults to minting `access-1`, `access-2`, … with rotating refresh tokens.
 */
export function setup(
  options: Partial<RefreshInterceptorOptions> = {},
  tokens: TokenSet | null = { accessToken: 'access-0', refreshToken: 'refresh-0' },
): Setup {
  const api = axios.create({ baseURL: BASE_URL });
  const mock = createMock(api);
  const refreshCalls: RefreshContext[] = [];
  let minted = 0;
  const refresh =
    options.refresh ??
    (async (): Promise<TokenSet> => {
      minted += 1;
      return { accessToken: `access-${minted}`, refreshToken: `refresh-${minted}` };
    });
  const auth = attachRefreshInterceptor(api, {
    ...options,
    tokens,
    refresh: (context) => {
      refreshCalls.push(context);
      return refresh(context);
    },
  });
  return { api, mock, auth, refreshCalls };
}
