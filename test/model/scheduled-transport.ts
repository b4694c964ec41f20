import { AxiosError, AxiosHeaders, CanceledError } from 'axios';
import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { Scheduler } from 'fast-check';
import { tokenOf } from '../helpers.js';
import type { Answer, AuthServer } from './auth-server.js';

export const TOKEN_PATH = '/oauth/token';

/** The fake clock of the refresh timeouts (the library's only timers). */
export interface Clock {
  /** Lets `refreshTimeout` pass: a refresh timer still pending fires. */
  pass(): void;
  /** Timers still pending. */
  pending(): number;
}

/** What the transport reports about each request that reaches it. */
export interface TransportObserver {
  /** Called synchronously as the request reaches the transport, with the headers it carries. */
  sent(config: InternalAxiosRequestConfig): void;
  /** Called as the server's answer is released, before the client sees it. */
  answered(config: InternalAxiosRequestConfig, answer: Answer): void;
  /** Called once the request has left the transport (answered, failed or aborted). */
  left(config: InternalAxiosRequestConfig): void;
}

function refreshTokenIn(config: InternalAxiosRequestConfig): string | undefined {
  const body: unknown = typeof config.data === 'string' ? JSON.parse(config.data) : config.data;
  const token = (body as { refresh_token?: unknown } | undefined)?.refresh_token;
  return typeof token === 'string' ? token : undefined;
}

function respond(config: InternalAxiosRequestConfig, answer: Answer): AxiosResponse | AxiosError {
  const response: AxiosResponse = {
    data: answer.data,
    status: answer.status,
    statusText: String(answer.status),
    headers: new AxiosHeaders({ ...answer.headers }),
    config,
    request: {},
  };
  if (!config.validateStatus || config.validateStatus(answer.status)) return response;
  const code = answer.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST;
  return new AxiosError(`Request failed with status code ${answer.status}`, code, config, {}, response);
}

/**
 * An axios adapter in front of the fake servers whose every answer is released by `scheduler`:
 * a request is handled by the server at the moment its answer is released (so an aborted request
 * was never handled), and aborts as soon as its signal fires. A refresh request that hangs or is
 * slow also schedules the passing of `refreshTimeout` on `clock`, so its timeout fires at a point
 * the scheduler chooses.
 */
export function createScheduledTransport(
  scheduler: Scheduler,
  server: AuthServer,
  clock: Clock,
  observer: TransportObserver,
): AxiosAdapter {
  return (config) =>
    new Promise<AxiosResponse>((resolve, reject) => {
      const { signal } = config;
      const isRefresh = config.url === TOKEN_PATH;
      const label = `${isRefresh ? 'POST' : 'GET'} ${String(config.url)} ${String(config.headers.get('x-request-id') ?? '')} ${tokenOf(config) ?? '(no token)'}`;
      let done = false;
      const leave = (settle: () => void): void => {
        if (done) return;
        done = true;
        signal?.removeEventListener?.('abort', onAbort);
        observer.left(config);
        settle();
      };
      const onAbort = (): void => leave(() => reject(new CanceledError(undefined, config, {})));

      observer.sent(config);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener?.('abort', onAbort);

      const outcome = isRefresh ? server.nextRefreshOutcome() : undefined;
      if (outcome === 'hang' || outcome === 'slow') {
        void scheduler.schedule(Promise.resolve(), 'clock: refreshTimeout passes').then(() => clock.pass());
      }
      if (outcome === 'hang') return;
      void scheduler.schedule(Promise.resolve(), `answer ${label} (${outcome ?? 'resource'})`).then(() => {
        if (done) return;
        if (outcome === 'network-error') {
          leave(() => reject(new AxiosError('Network Error', AxiosError.ERR_NETWORK, config, {})));
          return;
        }
        let answer: Answer;
        if (outcome === undefined) answer = server.resource(tokenOf(config));
        else if (outcome === 'rotate' || outcome === 'slow') answer = server.grant(refreshTokenIn(config), 'rotate');
        else if (outcome === 'reject') answer = server.grant(refreshTokenIn(config), 'reject');
        else if (outcome === 'server-error') answer = { status: 503, data: 'Service Unavailable' };
        else answer = { status: 200, data: '<!doctype html><title>Sign in</title>' };
        observer.answered(config, answer);
        const result = respond(config, answer);
        leave(() => (result instanceof AxiosError ? reject(result) : resolve(result)));
      });
    });
}
