import { auditGroupCommit } from '../../../audit/group-commit.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MusterConfig } from '../../../config/schema.ts';
import type { CaMaterial } from '../../../pki/store/ca-store.ts';
import { amrOf } from './assurance.ts';
import { matchCertificate } from './certificate-sign-in.ts';
import { consentNeeded, rememberConsent } from './consent-record.ts';
import type { ForeignTrust } from './foreign-certificate.ts';
import { saveGrant } from './grant.ts';
import { type Answer, jsonAnswer, pageAnswer, redirectAnswer } from './pages.ts';
import { isTls, peerCertificates } from './peer-certificate.ts';
import type { InteractionProvider, StoredInteraction } from './provider-shapes.ts';
import { SignInRefused } from './refusal.ts';
import { readForm, readJson, requireSameOrigin, type StepBody } from './respond.ts';
import { correlationOf, finishSignIn, OIDC_ACTOR, partyOf, requireAal, type InteractionParty, type SignInDeps } from './sign-in.ts';
import { holdCertificateLogin, takeCertificateLogin, type VerifiedLogin } from './steps.ts';
import { signInOptions, verifySignIn } from './webauthn-sign-in.ts';
import { signInWebAuthnPolicy } from './web-policy.ts';

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

/** A step of the sign-in pages. */
export type Step = (x: Exchange) => Promise<Answer>;

const base = (x: Exchange): string => `${x.path}/${encodeURIComponent(x.uid)}`;

/** The interaction of this browser (its interaction cookie), which must be the one in the path and at `prompt`. */
async function ownInteraction(x: Exchange, prompt: string): Promise<StoredInteraction> {
  const interaction = await x.provider.interactionDetails(x.req, x.res);
  if (interaction.uid !== x.uid || interaction.prompt.name !== prompt)
    throw new SignInRefused('interaction-expired', 'this sign-in page does not belong to your current sign-in; return to the service and start again');
  x.clientId = String(interaction.params.client_id ?? '');
  return interaction;
}

async function party(x: Exchange, interaction: StoredInteraction): Promise<InteractionParty> {
  return partyOf(x.deps.store, interaction);
}

function notice(interaction: StoredInteraction): string | undefined {
  const reasons = interaction.prompt.reasons;
  if (reasons.includes('muster_aal')) return 'This service needs a stronger sign-in than your current one.';
  if (reasons.includes('muster_reauthentication') || reasons.includes('muster_max_age')) return 'Your earlier sign-in has expired; please sign in again.';
  return undefined;
}

/** GET <path>/:uid — the sign-in choices, or the consent question. */
export async function showInteraction(x: Exchange): Promise<Answer> {
  const interaction = await x.provider.interactionDetails(x.req, x.res);
  if (interaction.uid !== x.uid) throw new SignInRefused('interaction-expired', 'this sign-in page does not belong to your current sign-in; return to the service and start again');
  x.clientId = String(interaction.params.client_id ?? '');
  const p = await party(x, interaction);
  if (interaction.prompt.name === 'consent') return showConsent(x, interaction, p);
  const here = base(x);
  const shown = notice(interaction);
  return pageAnswer(200, {
    name: 'login',
    rp: p.view,
    pivUrl: `${x.mtlsOrigin}${here}/piv`,
    webauthnOptionsUrl: `${here}/webauthn/options`,
    webauthnUrl: `${here}/webauthn`,
    abortUrl: `${here}/abort`,
    ...(shown ? { notice: shown } : {}),
  });
}

async function showConsent(x: Exchange, interaction: StoredInteraction, p: InteractionParty): Promise<Answer> {
  const accountId = requireAccount(interaction);
  const document = p.agreement.agreement.document;
  if (await consentNeeded(x.deps.store, accountId, p.clientId, document)) {
    const changed =
      interaction.prompt.reasons.includes('muster_consent') &&
      (await x.deps.store.query('SELECT 1 FROM federation_consents WHERE identity_id = $1 AND client_id = $2', [accountId, p.clientId])).length > 0;
    return pageAnswer(200, { name: 'consent', rp: p.view, action: `${base(x)}/consent`, changed });
  }
  return redirectAnswer(await grantAndFinish(x, interaction, p, accountId, document.consent === 'allowlisted' ? 'allowlisted' : 'remembered'));
}

function requireAccount(interaction: StoredInteraction): string {
  const accountId = interaction.session?.accountId;
  if (!accountId) throw new SignInRefused('interaction-expired', 'you are not signed in any more; return to the service and start again');
  return accountId;
}

async function grantAndFinish(x: Exchange, interaction: StoredInteraction, p: InteractionParty, accountId: string, basis: 'allowlisted' | 'remembered' | 'given'): Promise<string> {
  const { store, clock, audit } = x.deps;
  const document = p.agreement.agreement.document;
  const grantId = await saveGrant(x.provider, interaction, accountId, p.clientId, document);
  const data = { client_id: p.clientId, agreement: p.agreement.agreement.id, version: p.agreement.agreement.version, basis, attributes: p.view.attributes.map((a) => a.name), grant_id: grantId };
  const entry = { actor: OIDC_ACTOR, action: 'oidc.consent', target: accountId, reason: `release to ${p.clientId} (${basis})`, data };
  if (basis === 'given') {
    await store.transaction(async (tx) => {
      await rememberConsent(tx, accountId, p.clientId, document, clock.now());
      await audit.append(tx, [entry], correlationOf(x.uid));
    });
  } else {
    await auditGroupCommit(store, audit).append([entry], correlationOf(x.uid));
  }
  return x.provider.interactionResult(x.req, x.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** POST <path>/:uid/consent — allow (remembered, grant made) or decline (access_denied to the RP). */
export async function submitConsent(x: Exchange): Promise<Answer> {
  const interaction = await ownInteraction(x, 'consent');
  const p = await party(x, interaction);
  const accountId = requireAccount(interaction);
  const decision = (await readForm(x)).get('decision');
  if (decision === 'accept') return redirectAnswer(await grantAndFinish(x, interaction, p, accountId, 'given'));
  if (decision !== 'decline') throw new SignInRefused('bad-request', 'choose Allow or Do not allow');
  await x.deps.store.transaction((tx) =>
    x.deps.audit.append(
      tx,
      [{ actor: OIDC_ACTOR, action: 'oidc.consent.declined', target: accountId, reason: `release to ${p.clientId} declined`, data: { client_id: p.clientId } }],
      correlationOf(x.uid),
    ),
  );
  return redirectAnswer(
    await x.provider.interactionResult(x.req, x.res, { error: 'access_denied', error_description: 'the subscriber did not allow the release of the attributes' }, { mergeWithLastSubmission: false }),
  );
}

/** POST <path>/:uid/abort — the subscriber cancels; the RP receives access_denied. */
export async function abortInteraction(x: Exchange): Promise<Answer> {
  const interaction = await x.provider.interactionDetails(x.req, x.res);
  if (interaction.uid !== x.uid) throw new SignInRefused('interaction-expired', 'this sign-in is over; return to the service and start again');
  return redirectAnswer(await x.provider.interactionResult(x.req, x.res, { error: 'access_denied', error_description: 'the subscriber cancelled the sign-in' }, { mergeWithLastSubmission: false }));
}

/**
 * GET <path>/:uid/piv on the mutual-TLS listener: the client certificate is matched to an active credential
 * of an active identity; the sign-in then goes back to the issuer's origin with a one-time ticket, where the browser's
 * interaction cookie binds it to the interaction it started.
 */
export async function certificateSignIn(x: Exchange): Promise<Answer> {
  if (!isTls(x.req.socket)) throw new SignInRefused('no-certificate', 'certificate sign-in is only offered over the mutual-TLS address');
  const interaction = await x.provider.Interaction.find(x.uid);
  if (!interaction || interaction.prompt.name !== 'login') throw new SignInRefused('interaction-expired', 'this sign-in has expired; return to the service and start again');
  x.clientId = String(interaction.params.client_id ?? '');
  const p = await party(x, interaction);
  const peer = peerCertificates(x.req.socket);
  const now = x.deps.clock.now();
  const match = await matchCertificate(x.deps.store, (await x.deps.ca()).issuing, x.deps.clock, x.deps.trust, peer, p.agreement.agreement.document);
  const login: VerifiedLogin = {
    identityId: match.identityId,
    credentialId: match.credentialId,
    credentialType: match.credentialType,
    aal: match.aal,
    amr: amrOf(match.credentialType, match.aal),
    certThumbprint: match.thumbprint,
    authTime: now,
    certificate: { serial: match.serial, issuer: match.issuer },
  };
  requireAal(login, p);
  const ticket = await holdCertificateLogin(x.deps.store, x.uid, login, now);
  return redirectAnswer(`${x.issuerOrigin}${base(x)}/piv/complete?ticket=${encodeURIComponent(ticket)}`);
}

/** GET <path>/:uid/piv/complete?ticket= on the issuer's origin: finishes the certificate sign-in. */
export async function completeCertificateSignIn(x: Exchange): Promise<Answer> {
  const interaction = await ownInteraction(x, 'login');
  const p = await party(x, interaction);
  const login = await takeCertificateLogin(x.deps.store, x.uid, x.url.searchParams.get('ticket') ?? '', x.deps.clock.now());
  if (!login) throw new SignInRefused('interaction-expired', 'the certificate sign-in was already used or took too long; try again');
  return redirectAnswer(await finishSignIn(x.deps, x.provider, x.req, x.res, interaction, p, login, { method: 'certificate', serial: login.certificate?.serial, issuer: login.certificate?.issuer }));
}

/** GET <path>/:uid/webauthn/options — a fresh challenge for navigator.credentials.get. */
export async function webauthnOptions(x: Exchange): Promise<Answer> {
  const interaction = await ownInteraction(x, 'login');
  await party(x, interaction);
  const policy = signInWebAuthnPolicy(x.deps.config, x.provider.issuer);
  return jsonAnswer(200, await signInOptions(x.deps.store, policy, x.uid, x.deps.clock.now()));
}

/** POST <path>/:uid/webauthn — verifies the FIDO2 Derived PIV assertion and finishes the sign-in. */
export async function webauthnSignIn(x: Exchange): Promise<Answer> {
  requireSameOrigin(x.req.headers.origin, x.issuerOrigin);
  const interaction = await ownInteraction(x, 'login');
  const p = await party(x, interaction);
  const body = await readJson(x);
  const now = x.deps.clock.now();
  const match = await verifySignIn(x.deps.store, signInWebAuthnPolicy(x.deps.config, x.provider.issuer), x.uid, body, now);
  const login: VerifiedLogin = {
    identityId: match.identityId,
    credentialId: match.credentialId,
    credentialType: 'derived_non_pki',
    aal: match.aal,
    amr: amrOf('derived_non_pki', match.aal),
    certThumbprint: null,
    authTime: now,
  };
  requireAal(login, p);
  const location = await finishSignIn(x.deps, x.provider, x.req, x.res, interaction, p, login, { method: 'webauthn', authenticator_id: match.authenticatorId });
  return jsonAnswer(200, { location });
}
