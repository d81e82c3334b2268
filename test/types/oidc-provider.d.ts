// The few parts of oidc-provider (v9, no bundled types) the test helpers use.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
    jwt?: { sign?: { alg?: string } };
  }
  export interface Configuration {
    clients?: Record<string, unknown>[];
    jwks?: { keys: Record<string, unknown>[] };
    ttl?: Record<string, number | ((...args: unknown[]) => number)>;
    features?: {
      devInteractions?: { enabled: boolean };
      clientCredentials?: { enabled: boolean };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource?: (ctx: unknown, client: unknown, oneOf?: string[]) => string | string[] | Promise<string | string[]>;
        useGrantedResource?: (ctx: unknown, model: unknown) => boolean | Promise<boolean>;
        getResourceServerInfo?: (ctx: unknown, resourceIndicator: string, client: unknown) => ResourceServerInfo | Promise<ResourceServerInfo>;
      };
      [feature: string]: unknown;
    };
    extraTokenClaims?: (ctx: unknown, token: unknown) => Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>;
    [option: string]: unknown;
  }
  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    /** The client model; its prototype's redirectUriAllowed is the documented place to widen redirect matching. */
    readonly Client: { prototype: ProviderClient };
  }
  export interface ProviderClient {
    readonly clientId: string;
    redirectUriAllowed(value: string): boolean;
  }
}
