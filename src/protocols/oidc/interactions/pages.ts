import type { Aal } from '../../../core/federation/profile.ts';
import type { ConsentedAttribute } from './consent-record.ts';

/**
 * What the sign-in pages show, as data: the HTTP face renders each (src/http/sign-in/pages.ts) with auto-escaping
 * templates under a strict CSP. Every URL is the page's own or the mutual-TLS listener's, built here.
 */

/** What the pages say about the relying party, from its trust agreement. */
export interface RelyingPartyView {
  readonly name: string;
  readonly agreementName: string;
  readonly attributes: readonly ConsentedAttribute[];
  readonly requiredAal: Aal;
}

/** The sign-in choices: a PIV card or PKI-based Derived PIV certificate on the mutual-TLS address, or a FIDO2 Derived PIV security key. */
export interface LoginPage {
  readonly name: 'login';
  readonly rp: RelyingPartyView;
  readonly pivUrl: string;
  readonly webauthnOptionsUrl: string;
  readonly webauthnUrl: string;
  readonly abortUrl: string;
  readonly notice?: string;
}

/** Runtime consent: each attribute with its purpose; accepting remembers it until the agreement's attributes change. */
export interface ConsentPage {
  readonly name: 'consent';
  readonly rp: RelyingPartyView;
  readonly action: string;
  /** What the service receives changed since the subscriber last agreed. */
  readonly changed: boolean;
}

/** A refused step: what happened in plain words, and where to go from here. */
export interface RefusalPage {
  readonly name: 'refusal';
  readonly message: string;
  readonly retryUrl?: string;
}

/** Something went wrong on muster's side; no detail is shown. */
export interface FailurePage {
  readonly name: 'failure';
}

/** No sign-in page at this address. */
export interface NotFoundPage {
  readonly name: 'not-found';
}

export type SignInPage = LoginPage | ConsentPage | RefusalPage | FailurePage | NotFoundPage;

/** What a step of the sign-in pages answers: a page, JSON (the WebAuthn script's calls), or a redirect (303). */
export type Answer =
  | { readonly kind: 'page'; readonly status: number; readonly page: SignInPage }
  | { readonly kind: 'json'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'redirect'; readonly location: string };

export const pageAnswer = (status: number, page: SignInPage): Answer => ({ kind: 'page', status, page });
export const jsonAnswer = (status: number, body: unknown): Answer => ({ kind: 'json', status, body });
export const redirectAnswer = (location: string): Answer => ({ kind: 'redirect', location });
