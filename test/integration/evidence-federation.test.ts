// Leaver evidence of a federated person: signed in to a relying party through muster's OP with a software PIV card,
// then terminated by HR. The bundle holds the SET pushed to the RP (the JWT itself, delivered), the OP session that
// ended, no OP session, grant or token left, and it verifies offline.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { SIGNAL_EVENTS } from '../../src/core/federation/profile.ts';
import { verifyEvidence } from '../../src/audit/evidence/verify.ts';
import { produceEvidence } from '../../src/runtime/evidence/index.ts';
import type { EvidenceBody } from '../../src/audit/evidence/bundle.ts';
import { BrowserFetch } from '../support/browser-fetch.ts';
import { type CertificateCredential, type FederatedMuster, issueSoftwarePivCard, startFederatedMuster } from '../support/federation.ts';
import { type RunningReferenceRp, certificateSignIn, startReferenceRp } from '../support/federation-peers.ts';
import { describeEachStore } from '../support/stores.ts';
import { waitUntil } from '../support/wait.ts';

describeEachStore('leaver evidence of a person federated to a relying party', (factory) => {
  let fm: FederatedMuster;
  let rp: RunningReferenceRp;
  let card: CertificateCredential;
  let body: EvidenceBody;
  let text = '';

  before(async () => {
    fm = await startFederatedMuster({ store: factory });
    card = await issueSoftwarePivCard(fm, 'E1');
    rp = await startReferenceRp(fm, { clientId: 'reference-rp', agreementId: 'reference-rp' });
    const signedIn = await certificateSignIn(fm, new BrowserFetch(), `${rp.url}/login`, card);
    assert.equal(signedIn.status, 200, signedIn.body);
    await fm.hrSnapshot({ E1: 'terminated' });
    const identityId = fm.ids.E1 as string;
    body = await waitUntil(
      'evidence with the SET delivered and every certificate on a CRL',
      async () => {
        const made = await produceEvidence(fm.muster, { identityId, actor: 'auditor.ann', correlationId: 'evidence-federation', connectors: new Map() });
        const done = made.body.relyingParties.signals.some((s) => s.state === 'delivered') && made.body.certificates.every((c) => c.crlNumber !== null) && made.body.sessions.remaining.length === 0;
        text = made.text;
        return done ? made.body : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  });

  after(async () => {
    await rp?.close();
    await fm?.close();
  });

  test('the SET that told the RP the account is disabled is in the bundle, as sent, and delivered', () => {
    const disabling = body.relyingParties.signals.find((s) => SIGNAL_EVENTS['account-disabled'] in ((decodeJwt(s.setJwt).events as object) ?? {}));
    assert.ok(disabling, JSON.stringify(body.relyingParties.signals.map((s) => s.eventType)));
    assert.deepEqual([disabling.clientId, disabling.state, disabling.deliveredAt !== null], ['reference-rp', 'delivered', true]);
    assert.ok(body.timeline.steps.some((s) => s.step.startsWith(`SET ${disabling.jti}`)));
  });

  test('the OP session the person signed in with ended, and nothing of the OP is left for them', () => {
    assert.ok(body.sessions.logins.length > 0);
    assert.ok(
      body.sessions.logins.every((l) => l.endedAt !== null),
      JSON.stringify(body.sessions.logins),
    );
    assert.deepEqual(body.sessions.remaining, []);
    assert.ok(body.audit.entries.some((e) => e.action === 'oidc.sessions.ended' && body.audit.leaverSeqs.includes(e.seq)));
  });

  test('the bundle verifies offline', async () => {
    const result = await verifyEvidence(text);
    assert.deepEqual(
      result.checks.filter((c) => !c.ok),
      [],
    );
    assert.equal(body.event.source, 'hr');
  });
});
