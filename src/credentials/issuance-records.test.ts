import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, test } from 'node:test';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { count, identityByKey } from '../lifecycle/test-fixtures.ts';
import { testOperator } from '../operators/test-operators.ts';
import type { CaHierarchy } from '../pki/ca.ts';
import { CardService } from './card-service.ts';
import { issuePivCard } from './cards.ts';
import { DerivedService } from './derived/bind.ts';
import { currentProofing, currentSponsorship } from './issuance-record-repository.ts';
import { type RecordingOperator, recordProofing, recordSponsorship, SEPARATION_REFUSED } from './issuance-records.ts';
import { PIV_EVIDENCE, VETTING_HEADER, cardDeps, cardRequest, opensslCsr, testCa } from './test-fixtures.ts';

describeEachStore('PIV issuance: sponsorship, proofing and separation of duties', (factory) => {
  const h = useHarness(factory);
  let ca: CaHierarchy;
  let applicant: string;
  const op: Record<'sponsor' | 'registrar' | 'issuer', RecordingOperator> = {} as never;
  const deps = () => ({ store: h.store, clock: h.clock, audit: h.audit });
  const proofing = (identityId: string) => ({ identityId, ial: 'IAL3', method: 'in-person' as const, evidence: PIV_EVIDENCE, proofedAt: new Date(h.clock.now().getTime() - 60_000) });
  const refusedFor = (rule: string) => (e: any) => e.code === 'MUSTER_ERR_SEPARATION_OF_DUTIES' && e.status === 403 && e.details[0]?.field === rule;

  before(async () => {
    ca = await testCa(h);
    assert.equal((await h.imports.run({ source: 'hr', file: await h.file('hr.csv', hrCsv([hrLine('E1')])), actor: 'alice' })).status, 'applied');
    const vetting = `${VETTING_HEADER}\nE1,favorable,current,Tier 3,2025-11-01,true\n`;
    assert.equal((await h.imports.run({ source: 'vetting', file: await h.file('vetting.csv', vetting), actor: 'alice' })).status, 'applied');
    applicant = (await identityByKey(h.store, 'employee_id', 'E1')).id;
    for (const part of ['sponsor', 'registrar', 'issuer'] as const) {
      const o = await testOperator(h, [part]);
      op[part] = { operatorId: o.identityId, actor: o.actor, tokenId: o.tokenId, correlationId: `sod-${part}` };
    }
  });

  test('a sponsor cannot sponsor itself: refused naming the rule, audited, nothing recorded', async () => {
    const self = op.sponsor.operatorId;
    await assert.rejects(recordSponsorship(deps(), { identityId: self, reason: 'me' }, op.sponsor), refusedFor('sponsor-not-applicant'));
    assert.equal(await currentSponsorship(h.store, self), undefined);
    assert.equal(await count(h.store, `audit_log WHERE action = '${SEPARATION_REFUSED}' AND actor = $1 AND data->>'rule' = 'sponsor-not-applicant'`, [op.sponsor.actor]), 1);
  });

  test('the sponsor of an applicant cannot also proof them; a registrar can', async () => {
    const made = await recordSponsorship(deps(), { identityId: applicant, reason: 'new hire' }, op.sponsor);
    assert.equal((await currentSponsorship(h.store, applicant))?.id, made.id);
    await assert.rejects(recordProofing(deps(), proofing(applicant), op.sponsor), refusedFor('sponsor-not-registrar'));
    const proofed = await recordProofing(deps(), proofing(applicant), op.registrar);
    assert.deepEqual([(await currentProofing(h.store, applicant))?.registrarId, proofed.evidence.length], [op.registrar.operatorId, 2]);
    assert.equal(await count(h.store, `audit_log WHERE action = 'identity.proofed' AND actor = $1 AND target = $2`, [op.registrar.actor, applicant]), 1);
  });

  test('proofing names what was wrong: an IAL, a method or evidence muster does not know', async () => {
    await assert.rejects(recordProofing(deps(), { ...proofing(applicant), ial: 'IAL9' }, op.registrar), (e: any) => e.code === 'MUSTER_ERR_VALIDATION' && e.details[0].field === 'ial');
    const evidence = [{ ...PIV_EVIDENCE[0], documentId: ' ' }] as never;
    await assert.rejects(recordProofing(deps(), { ...proofing(applicant), evidence }, op.registrar), (e: any) => e.details[0].field === 'evidence[0].documentId');
  });

  for (const [part, rule] of [
    ['sponsor', 'issuer-not-sponsor'],
    ['registrar', 'issuer-not-registrar'],
  ] as const) {
    test(`the ${part} cannot issue the card (${rule}): 403, audited as credential.refused`, async () => {
      const request = await cardRequest(h, applicant, {}, { records: false });
      await assert.rejects(issuePivCard(cardDeps(h, ca), request, op[part].actor, `sod-issue-${part}`), refusedFor(rule));
      const [entry] = await h.store.query<{ data: { rule: string; field: string } }>(`SELECT data FROM audit_log WHERE action = 'credential.refused' AND correlation_id = $1`, [`sod-issue-${part}`]);
      assert.deepEqual([entry?.data.rule, entry?.data.field], ['separation-of-duties', rule]);
    });
  }

  test('the applicant cannot issue their own card', async () => {
    const request = await cardRequest(h, applicant, {}, { records: false });
    await assert.rejects(issuePivCard(cardDeps(h, ca), request, `operator:${applicant}`, 'sod-issue-self'), refusedFor('issuer-not-applicant'));
  });

  test('three different people: the card is issued and names the sponsorship and proofing it rests on', async () => {
    const request = await cardRequest(h, applicant, {}, { records: false });
    const card = await issuePivCard(cardDeps(h, ca), request, op.issuer.actor, 'sod-issue-ok');
    const [row] = await h.store.query<{ details: { sponsor_approval: { approved_by: string }; proofing: { by: string; ial: string } } }>('SELECT details FROM credentials WHERE id = $1', [
      card.credentialId,
    ]);
    assert.deepEqual([row?.details.sponsor_approval.approved_by, row?.details.proofing.by, row?.details.proofing.ial], [op.sponsor.actor, op.registrar.actor, 'IAL3']);
  });

  test('a Derived PIV binding is refused to its holder (binder-not-holder), audited, before the challenge is used', async () => {
    const webauthn = { rpId: 'localhost', rpName: 'muster', origins: ['https://localhost'], attestationRoots: [], requireTrustedAttestation: false, aal3Aaguids: [] };
    const derived = new DerivedService({ ...cardDeps(h, ca), challengeSeconds: 300, recheckDays: 7, webauthn, keyAttestationRoots: [] });
    const start = await derived.start(applicant, { actor: op.issuer.actor, correlationId: 'sod-bind-start' });
    const request = { identityId: applicant, challengeId: start.challengeId, pivCertificate: 'x', signature: 'x', csr: 'x' };
    await assert.rejects(derived.bindPki(request, { actor: `operator:${applicant}`, correlationId: 'sod-bind' }), refusedFor('binder-not-holder'));
    assert.equal(await count(h.store, `audit_log WHERE action = 'derived.refused' AND correlation_id = 'sod-bind'`), 1);
  });

  test('the holder binds their own Derived PIV credential after muster saw their PIV authentication; never on a certificate not theirs', async () => {
    const webauthn = { rpId: 'localhost', rpName: 'muster', origins: ['https://localhost'], attestationRoots: [], requireTrustedAttestation: false, aal3Aaguids: [] };
    const derived = new DerivedService({ ...cardDeps(h, ca), challengeSeconds: 300, recheckDays: 7, webauthn, keyAttestationRoots: [] });
    const [card] = await h.store.query<{ id: string }>(`SELECT id FROM credentials WHERE identity_id = $1 AND type = 'piv_card' ORDER BY issued_at DESC LIMIT 1`, [applicant]);
    await new CardService(cardDeps(h, ca)).activate(card?.id as string, { actor: op.issuer.actor, correlationId: 'sod-activate' });
    const [pivAuth] = await h.store.query<{ der: Uint8Array }>(`SELECT der FROM certificates WHERE credential_id = $1 AND profile = 'piv-auth'`, [card?.id]);
    const thumbprint = createHash('sha256')
      .update(pivAuth?.der as Uint8Array)
      .digest('base64url');
    const holder = { actor: `operator:${applicant}`, correlationId: 'self-bind' };
    const request = async () => ({ identityId: applicant, challengeId: (await derived.start(applicant, holder)).challengeId, csr: await opensslCsr(h.dir, 'self-bind') });
    await assert.rejects(
      derived.bindPki(await request(), holder, { certThumbprint: createHash('sha256').update('another certificate').digest('base64url') }),
      (e: any) => e.code === 'MUSTER_ERR_DERIVED_BINDING' && e.details[0]?.field === 'pivCertificate',
    );
    const bound = await derived.bindPki(await request(), holder, { certThumbprint: thumbprint });
    const [row] = await h.store.query<{ details: { bound_by: string; piv_proof: string } }>('SELECT details FROM credentials WHERE id = $1', [bound.credentialId]);
    assert.deepEqual([row?.details.bound_by, row?.details.piv_proof], [`operator:${applicant}`, 'holder-piv-session']);
  });
});
