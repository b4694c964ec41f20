export { attachRefreshInterceptor } from './interceptor.js';
export { RefreshError, isRefreshError } from './errors.js';
export type { RefreshInterceptorHandle } from './interceptor.js';
export type { RefreshErrorCode } from './errors.js';
export type {
  CrossTab,
  CrossTabConnection,
  LogoutEvent,
  LogoutReason,
  RefreshContext,
  RefreshInterceptorOptions,
  SessionChange,
  SessionEvent,
  SessionLink,
} from './options.js';
export type { TokenSet } from './token.js';
export type { TokenStorage } from './storage.js';
