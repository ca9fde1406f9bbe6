// The part of oidc-provider 9's surface that muster uses, typed (the package ships JavaScript only).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AnyObject = Record<string, unknown>;

  export interface AdapterPayload extends AnyObject {
    accountId?: string;
    grantId?: string;
    userCode?: string;
    uid?: string;
    consumed?: unknown;
    sessionUid?: string;
    kind?: string;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface ClientMetadata extends AnyObject {
    client_id: string;
  }

  export interface Client {
    readonly clientId: string;
    readonly redirectUris: string[];
    readonly sectorIdentifierUri?: string;
    readonly subjectType?: string;
    readonly responseTypes: string[];
    readonly clientAuthMethod: string;
    metadata(): ClientMetadata;
  }

  export interface Session {
    readonly uid: string;
    readonly accountId?: string;
  }

  export interface OIDCContext {
    readonly client?: Client;
    readonly session?: Session;
    readonly route: string;
    readonly params?: AnyObject;
    readonly entities: AnyObject & { InitialAccessToken?: { extra?: AnyObject } };
    readonly body?: AnyObject;
  }

  export interface KoaContextWithOIDC {
    readonly oidc: OIDCContext;
    readonly req: IncomingMessage;
    readonly res: ServerResponse;
    readonly method: string;
    readonly path: string;
    status: number;
    body: unknown;
    type: string;
    state: AnyObject;
    set(field: string, value: string): void;
  }

  export interface FindAccountToken {
    readonly sessionUid?: string;
    readonly clientId?: string;
    readonly accountId?: string;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims: AnyObject, rejected: string[]): Promise<AnyObject> | AnyObject;
  }

  export interface ErrorOut {
    error: string;
    error_description?: string;
  }

  export interface Interaction {
    readonly uid: string;
    readonly prompt: { name: string; reasons: string[]; details: AnyObject };
    readonly params: AnyObject;
    readonly session?: { accountId?: string; uid?: string };
    readonly lastSubmission?: AnyObject;
  }

  export type Configuration = AnyObject & {
    adapter?: (name: string) => Adapter;
    findAccount?: (ctx: KoaContextWithOIDC, sub: string, token?: FindAccountToken) => Promise<Account | undefined> | Account | undefined;
    interactions?: { url?: (ctx: KoaContextWithOIDC, interaction: Interaction) => string | Promise<string>; policy?: unknown };
    renderError?: (ctx: KoaContextWithOIDC, out: ErrorOut, error: Error) => void | Promise<void>;
    pairwiseIdentifier?: (ctx: KoaContextWithOIDC, accountId: string, client: Client) => Promise<string> | string;
    clients?: AnyObject[];
  };

  export interface InitialAccessTokenInstance {
    save(): Promise<string>;
  }

  export interface Grant {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
    readonly jti?: string;
    [key: string]: any;
  }

  export class Provider {
    [key: string]: any;
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    proxy: boolean;
    static readonly ctx: KoaContextWithOIDC | undefined;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(req: IncomingMessage, res: ServerResponse, result: AnyObject, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: AnyObject, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    on(event: string, listener: (...args: any[]) => void): this;
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): this;
    urlFor(name: string, options?: AnyObject): string;
    readonly Client: { find(id: string): Promise<Client | undefined>; validate(metadata: AnyObject): Promise<void> };
    readonly Grant: new (properties: AnyObject) => Grant;
    readonly InitialAccessToken: new (properties: AnyObject) => InitialAccessTokenInstance;
  }

  export const errors: Record<string, new (description?: string, detail?: string) => Error & { error: string; error_description?: string; status: number }>;
  export const interactionPolicy: { base(): unknown; Prompt: unknown; Check: unknown };
  export default Provider;
}
