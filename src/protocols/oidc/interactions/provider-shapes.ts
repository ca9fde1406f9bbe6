import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The parts of oidc-provider 9 the sign-in interactions touch, typed structurally: the request context its prompt
 * checks receive, the stored interaction, and the models (Interaction, Grant) reached through the Provider.
 */

export type AnyRecord = Record<string, unknown>;

/** What a prompt check reads from `ctx.oidc` during an authorization request. */
export interface CheckContext {
  readonly oidc: {
    readonly session: { readonly uid: string; readonly accountId?: string };
    readonly client?: { readonly clientId: string };
    readonly params: AnyRecord;
    readonly result?: { readonly login?: { readonly accountId: string } } & AnyRecord;
    readonly entities: { readonly Interaction?: { readonly uid: string } } & AnyRecord;
  };
}

/** A stored interaction (`provider.interactionDetails` or `Interaction.find`). */
export interface StoredInteraction {
  readonly uid: string;
  readonly prompt: { readonly name: string; readonly reasons: readonly string[]; readonly details: AnyRecord };
  readonly params: AnyRecord;
  readonly session?: { readonly accountId?: string; readonly uid?: string };
  readonly grantId?: string;
  readonly returnTo: string;
  readonly exp: number;
  result?: AnyRecord;
  readonly lastSubmission?: AnyRecord;
  save(ttl: number): Promise<unknown>;
}

/** An oidc-provider Grant: the scopes and claims the subscriber let a client have. */
export interface ProviderGrant {
  addOIDCScope(scope: string): void;
  rejectOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  rejectOIDCClaims(claims: string[]): void;
  save(): Promise<string>;
}

/** The Provider as the interaction pages use it. */
export interface InteractionProvider {
  readonly issuer: string;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<StoredInteraction>;
  interactionResult(req: IncomingMessage, res: ServerResponse, result: AnyRecord, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
  readonly Interaction: { find(uid: string): Promise<StoredInteraction | undefined> };
  readonly Grant: { new (properties: { accountId: string; clientId: string }): ProviderGrant; find(id: string): Promise<ProviderGrant | undefined> };
}

/** The result handed to `interactionResult` after a sign-in. */
export interface LoginResult extends AnyRecord {
  readonly login: {
    readonly accountId: string;
    readonly acr: string;
    readonly amr: readonly string[];
    readonly ts: number;
    readonly remember: boolean;
    /** The sign-in, recorded against the OP session when the authorization request resumes (session-sign-in.ts PivLogin). */
    readonly piv: { readonly credentialId: string; readonly credentialType: string; readonly aal: string; readonly certThumbprint: string | null };
  };
}
