import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MusterConfig } from '../../../config/schema.ts';
import type { CaMaterial } from '../../../pki/store/ca-store.ts';
import type { ForeignTrust } from './foreign-certificate.ts';
import type { InteractionProvider } from './provider-shapes.ts';
import type { StepBody } from './respond.ts';
import type { SignInDeps } from './sign-in.ts';

export interface HandlerDeps extends SignInDeps {
  readonly config: MusterConfig;
  ca(): Promise<CaMaterial>;
  readonly trust: ForeignTrust;
  readonly onError?: (error: unknown) => void;
}

/**
 * One request to an interaction page. `req` and `res` are Node's, for oidc-provider (which reads its cookies from
 * them and writes nothing); the answer is returned, for the HTTP face to send.
 */
export interface Exchange extends StepBody {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly uid: string;
  readonly provider: InteractionProvider;
  readonly issuerOrigin: string;
  readonly mtlsOrigin: string;
  /** Where the pages live: `<issuer's path>/interaction`. */
  readonly path: string;
  readonly deps: HandlerDeps;
  /** Filled in as soon as the interaction is known, for the audit of a refusal. */
  clientId?: string;
}

/** `<path>/<uid>`: the interaction's own page. */
export const pageOf = (x: Pick<Exchange, 'path' | 'uid'>): string => `${x.path}/${encodeURIComponent(x.uid)}`;
