import assert from 'node:assert/strict';
import type { Harness } from '../../../../test/support/muster.ts';
import { hrCsv, hrLine } from '../../../../test/support/muster.ts';
import { CardService } from '../../../credentials/card-service.ts';
import { DerivedService } from '../../../credentials/derived/bind.ts';
import { type TestAttestationRoot, testAttestationRoot } from '../../../credentials/derived/test-attestation.ts';
import type { WebAuthnPolicy } from '../../../credentials/derived/webauthn/index.ts';
import { VETTING_HEADER, cardDeps, cardRequest, keyAndCsr, signChallenge, testCa } from '../../../credentials/test-fixtures.ts';
import type { IssuedPivCard } from '../../../credentials/types.ts';
import { AgreementService } from '../../../federation/agreements.ts';
import { identityByKey } from '../../../lifecycle/test-fixtures.ts';
import type { CaHierarchy } from '../../../pki/ca.ts';

export const BY = { actor: 'operator:0ff1ce00-0000-4000-8000-000000000001', correlationId: 'corr-sign-in' };
export const ORIGIN = 'http://localhost:8080';
export const CLIENT_ID = 'benefits-portal';
export const WEBAUTHN: WebAuthnPolicy = { rpId: 'localhost', rpName: 'muster', origins: [ORIGIN], attestationRoots: [], requireTrustedAttestation: false, aal3Aaguids: [] };

/** A trust agreement with one relying party; `over` changes the document. */
export function agreementDocument(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Benefits portal agreement',
    population: { agencyCodes: ['9700'] },
    idp: { issuer: 'http://localhost:8080/oidc', home: true },
    relyingParties: [{ clientId: CLIENT_ID, name: 'Benefits Portal', redirectUris: ['https://benefits.example.gov/callback'], jwksUri: 'https://benefits.example.gov/jwks' }],
    attributes: [{ name: 'email', purpose: 'to send you notices about your benefits' }],
    ...over,
  };
}

/** People (E1, E2, E3 active; E3 has no card), a CA, PIV cards for E1 and E2 with their keys, and the agreement. */
export interface SignInWorld {
  readonly ca: CaHierarchy;
  readonly cards: CardService;
  readonly derived: DerivedService;
  readonly agreements: AgreementService;
  readonly ids: Record<'E1' | 'E2' | 'E3', string>;
  readonly card: Record<'E1' | 'E2', { card: IssuedPivCard; key: string }>;
  /** The device maker whose key attestations earn a hardware-backed (.41) Derived PIV certificate. */
  readonly attestation: TestAttestationRoot;
}

const vetting = [VETTING_HEADER, 'E1,favorable,current,Tier 3,2025-11-01,true', 'E2,favorable,current,Tier 3,2025-11-01,true'].join('\n');

export async function importPeople(h: Harness, statuses: Partial<Record<'E1' | 'E2' | 'E3', string>> = {}, name = 'hr.csv'): Promise<void> {
  const csv = hrCsv(['E1', 'E2', 'E3'].map((id) => hrLine(id, { status: statuses[id as 'E1'] ?? 'active' })));
  const run = await h.imports.run({ source: 'hr', file: await h.file(name, csv), actor: 'alice' });
  assert.equal(run.status, 'applied', JSON.stringify(run.errors));
}

async function issueWithKey(h: Harness, cards: CardService, identityId: string, name: string): Promise<{ card: IssuedPivCard; key: string }> {
  const piv = await keyAndCsr(h.dir, name);
  const card = await cards.issue(await cardRequest(h, identityId, { pivAuthCsr: piv.csr }), BY);
  await cards.activate(card.credentialId, BY);
  return { card, key: piv.key };
}

export async function signInWorld(h: Harness): Promise<SignInWorld> {
  const ca = await testCa(h);
  const deps = { ...cardDeps(h, ca), reviewDays: 7 };
  const cards = new CardService(deps);
  const attestation = await testAttestationRoot(h.clock);
  const derived = new DerivedService({ ...deps, challengeSeconds: 300, recheckDays: 7, webauthn: WEBAUTHN, keyAttestationRoots: [attestation.rootPem] });
  const agreements = new AgreementService({ store: h.store, audit: h.audit, clock: h.clock });
  await importPeople(h);
  const trust = await h.imports.run({ source: 'vetting', file: await h.file('vetting.csv', `${vetting}\n`), actor: 'alice' });
  assert.equal(trust.status, 'applied', JSON.stringify(trust.errors));
  const ids = { E1: '', E2: '', E3: '' };
  for (const key of ['E1', 'E2', 'E3'] as const) ids[key] = (await identityByKey(h.store, 'employee_id', key)).id;
  const card = { E1: await issueWithKey(h, cards, ids.E1, 'e1-piv'), E2: await issueWithKey(h, cards, ids.E2, 'e2-piv') };
  await agreements.save('benefits', agreementDocument(), 'alice', 'benefits portal onboarding');
  return { ca, cards, derived, agreements, ids, card, attestation };
}

/** A PKI-based Derived PIV credential bound after PIV Authentication with the holder's card; hardware-backed keys come attested. */
export async function bindDerivedPki(h: Harness, world: SignInWorld, who: 'E1' | 'E2', hardwareBacked: boolean): Promise<{ pem: string; credentialId: string }> {
  const start = await world.derived.start(world.ids[who], BY);
  const device = await keyAndCsr(h.dir, `device-${who}-${hardwareBacked}`);
  const { card, key } = world.card[who];
  const bound = await world.derived.bindPki(
    {
      identityId: world.ids[who],
      challengeId: start.challengeId,
      pivCertificate: card.certificates[0]!.pem,
      signature: signChallenge(key, start.challenge),
      csr: device.csr,
      hardwareBacked,
      ...(hardwareBacked ? { keyAttestation: await world.attestation.attest(device.csr) } : {}),
    },
    BY,
  );
  return { pem: bound.certificatePem as string, credentialId: bound.credentialId };
}
