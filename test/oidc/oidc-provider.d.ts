// oidc-provider ships no type declarations: this is the part of its surface the integration test uses.

declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** The slice of the provider's Koa context the test reads in event listeners. */
  export interface ProviderContext {
    readonly oidc?: {
      readonly route?: string;
      readonly params?: Readonly<Record<string, unknown>>;
    };
  }

  export interface OAuthError extends Error {
    readonly error: string;
    readonly error_description?: string;
    /** What exactly was wrong, kept out of the answer: e.g. `'refresh token already used'`. */
    readonly error_detail?: string;
  }

  export interface Interaction {
    readonly uid: string;
    readonly prompt: { readonly name: string; readonly details: Readonly<Record<string, unknown>> };
    readonly params: Readonly<Record<string, unknown>>;
    readonly session?: { readonly accountId: string };
    readonly grantId?: string;
  }

  export class Grant {
    constructor(properties: { accountId: string; clientId: string });
    static find(id: string): Promise<Grant | undefined>;
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface ProviderEvents {
    'grant.success': (ctx: ProviderContext) => void;
    'grant.error': (ctx: ProviderContext, error: OAuthError) => void;
    'grant.revoked': (ctx: ProviderContext, grantId: string) => void;
    'refresh_token.consumed': (token: { readonly grantId?: string }) => void;
    'revocation.error': (ctx: ProviderContext, error: OAuthError) => void;
    server_error: (ctx: ProviderContext, error: Error) => void;
  }

  export class Provider {
    constructor(issuer: string, configuration: Readonly<Record<string, unknown>>);
    readonly issuer: string;
    readonly Grant: typeof Grant;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Readonly<Record<string, unknown>>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    on<E extends keyof ProviderEvents>(event: E, listener: ProviderEvents[E]): this;
  }

  export default Provider;
}

declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  /** The in-memory adapter with a store of its own (the provider's default, without its start-up warning). */
  export function createMemoryAdapter(clockTolerance?: number): (model: string) => unknown;
}
