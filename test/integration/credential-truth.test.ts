// Credentials follow the person's eligibility, end to end on a running muster (admin app, OpenID Provider, mutual-TLS
// sign-in listener, job, provisioning and SSF workers) with real peers: slapd and a SCIM service as account targets,
// OpenSSL asking muster's OCSP responder, and the reference relying party built on muster/rp.
// (a) an unfavorable adjudication ends the person's card and Derived PIV credential (OCSP revoked, privilegeWithdrawn),
//     disables their directory and portal accounts, reaches the RP as signals, and the card no longer signs in;
// (b) eligibility taken back to pending holds both credentials, a favorable determination restores them;
// (c) a card terminated as withdrawn ends its derived credential; a suspended card holds it and reinstating restores it;
// (d) a security hold survives the next HR snapshot that lists the person as active, and the operator who placed it
//     cannot release it;
// (e) the trace of an HR leaver event shows its jobs, the operations in both targets and the SETs to the RP, all on the
//     one correlation id of the HR import;
// (f) the leaver's signed evidence verifies offline, and one edited byte makes it fail.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { testOperator } from '../../src/operators/test-operators.ts';
import { SIGNAL_EVENTS } from '../../src/core/federation/profile.ts';
import type { Connector } from '../../src/connectors/accounts/port.ts';
import { VETTING_HEADER } from '../../src/credentials/test-fixtures.ts';
import { traceIdentity } from '../../src/audit/trace/build.ts';
import { verifyEvidence } from '../../src/audit/evidence/verify.ts';
import { loadIdentities } from '../../src/mur/identity-repository.ts';
import { produceEvidence } from '../../src/runtime/evidence/index.ts';
import { openConnectors } from '../../src/runtime/connectors.ts';
import { BrowserFetch } from '../support/browser-fetch.ts';
import { type CertificateCredential, type FederatedMuster, bindDerivedPki, issueSoftwarePivCard, startFederatedMuster } from '../support/federation.ts';
import { type RunningReferenceRp, certificateSignIn, startReferenceRp } from '../support/federation-peers.ts';
import { type ScimService, startScimService } from '../support/scim-service.ts';
import { type SlapdInstance, slapdSkip, startSlapd } from '../support/slapd.ts';
import { describeEachStore } from '../support/stores.ts';
import { waitUntil } from '../support/wait.ts';

const run = promisify(execFile);
/** RFC 5280 §5.3.1 CRLReason by value. */
const CRL_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'unused',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
];
const WAIT = { timeoutMs: 30_000, intervalMs: 50 };
/** Directory and portal accounts for everyone whose eligibility is not withdrawn. */
const POLICIES = {
  eligible: {
    kind: 'birthright',
    description: 'a directory and a portal account while eligible for a PIV credential',
    when: [
      { attribute: 'kind', in: ['person'] },
      { attribute: 'trust.eligibility', in: ['favorable', 'interim', 'pending'] },
    ],
    grants: [
      { target: 'directory', groups: [{ name: 'staff' }] },
      { target: 'portal', groups: [{ name: 'portal-users' }] },
    ],
  },
};

describeEachStore('credentials follow eligibility, cards, and holds, with real targets, OpenSSL and the reference RP', (factory) => {
  const skip = slapdSkip();
  let slapd: SlapdInstance;
  let scim: ScimService;
  let fm: FederatedMuster;
  let rp: RunningReferenceRp;
  let connectors: ReadonlyMap<string, Connector>;
  const tokens = { officer: '', second: '' };
  const cards: Record<string, CertificateCredential> = {};
  const derived: Record<string, CertificateCredential> = {};
  let vettingRuns = 0;

  before(async () => {
    if (skip) return;
    [slapd, scim] = await Promise.all([startSlapd(), startScimService()]);
    fm = await startFederatedMuster({
      store: factory,
      policies: POLICIES,
      targets: {
        directory: { kind: 'ldap', ...slapd.options, accountKey: ['employee_id'] },
        portal: { kind: 'scim', baseUrl: scim.baseUrl, auth: { type: 'bearer', token: scim.token }, accountKey: ['email'] },
      },
    });
    connectors = openConnectors(fm.muster.config);
    tokens.officer = (await testOperator(fm.muster, ['security-officer'])).token;
    tokens.second = (await testOperator(fm.muster, ['security-officer'])).token;
    for (const person of ['E1', 'E2', 'E3']) {
      cards[person] = await issueSoftwarePivCard(fm, person);
      derived[person] = await bindDerivedPki(fm, cards[person]!);
    }
    const ca = await fm.muster.ca();
    await writeFile(join(fm.dir, 'issuing.pem'), ca.issuing.certificate.toString('pem'));
    await writeFile(join(fm.dir, 'root.pem'), ca.root.certificate.toString('pem'));
    rp = await startReferenceRp(fm, { clientId: 'reference-rp', agreementId: 'reference-rp' });
  });

  after(async () => {
    if (skip) return;
    await rp?.close();
    for (const connector of connectors?.values() ?? []) await connector.close();
    await fm?.close();
    await Promise.all([slapd?.stop(), scim?.stop()]);
  });

  const api = async (token: string, path: string, body: unknown) => {
    const response = await fetch(`${fm.base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as any };
  };

  /** OpenSSL's answer from muster's OCSP responder, checked against the CA chain: `good` or `revoked:<reason>`. */
  async function ocsp(credential: CertificateCredential): Promise<string> {
    const leaf = join(fm.dir, `leaf-${credential.credentialId}.pem`);
    await writeFile(leaf, credential.certPem);
    const { stdout } = await run(
      'openssl',
      ['ocsp', '-issuer', 'issuing.pem', '-cert', leaf, '-url', `${fm.base}/ocsp`, '-CAfile', 'root.pem', '-verify_other', 'issuing.pem', '-no_nonce', '-resp_text'],
      { cwd: fm.dir },
    );
    const status = new RegExp(`${leaf.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: (\\w+)`).exec(stdout)?.[1];
    // OpenSSL 3.0 names reasons up to removeFromCRL only; the code it prints beside the name is the RFC 5280 value
    const code = /Revocation Reason: .*\(0x([0-9a-f]+)\)/.exec(stdout)?.[1];
    const reason = code === undefined ? undefined : CRL_REASONS[Number.parseInt(code, 16)];
    return status === 'revoked' ? `revoked:${reason ?? '-'}` : String(status);
  }

  const statusesOf = async (person: string) => ({ card: await ocsp(cards[person]!), derived: await ocsp(derived[person]!) });
  async function waitForStatuses(person: string, want: { card: string; derived: string }, what: string) {
    let seen = { card: '', derived: '' };
    try {
      return await waitUntil(
        what,
        async () => {
          seen = await statusesOf(person);
          return seen.card === want.card && seen.derived === want.derived ? seen : undefined;
        },
        WAIT,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; OCSP said ${JSON.stringify(seen)}`);
    }
  }

  /** key → `enabled|disabled [groups]` of every account the target holds. */
  async function accounts(target: 'directory' | 'portal'): Promise<Record<string, string>> {
    const state: Record<string, string> = {};
    for await (const page of (connectors.get(target) as Connector).listAccounts(50)) {
      for (const a of page) state[a.key] = `${a.enabled ? 'enabled' : 'disabled'} [${[...a.groups].sort().join(',')}]`;
    }
    return state;
  }

  async function vetting(lines: Readonly<Record<string, string>>): Promise<void> {
    const rows = ['E1', 'E2', 'E3'].map((id) => `${id},${lines[id] ?? 'favorable,current'},Tier 3,2025-11-01,true`);
    const file = join(fm.dir, `vetting-${++vettingRuns}.csv`);
    await writeFile(file, `${[VETTING_HEADER, ...rows].join('\n')}\n`);
    const result = await fm.muster.imports.run({ source: 'vetting', file, actor: 'adjudicator.ada' });
    assert.equal(result.status, 'applied', JSON.stringify(result.errors));
  }

  test('(a) an unfavorable adjudication ends the card and the derived credential, disables the accounts, signals the RP, and refuses the card', { skip }, async () => {
    const signedIn = await certificateSignIn(fm, new BrowserFetch(), `${rp.url}/login`, cards.E1!);
    assert.equal(signedIn.status, 200, signedIn.body);
    const sub = /<code id="sub">([^<]+)<\/code>/.exec(signedIn.body)?.[1];
    assert.ok(sub);
    await waitUntil('E1 to have enabled accounts', async () => ((await accounts('directory')).E1 === 'enabled [staff]' ? true : undefined), WAIT);
    assert.deepEqual(await statusesOf('E1'), { card: 'good', derived: 'good' });

    await vetting({ E1: 'unfavorable,current' });

    assert.deepEqual(await waitForStatuses('E1', { card: 'revoked:privilegeWithdrawn', derived: 'revoked:privilegeWithdrawn' }, "E1's credentials to be revoked"), {
      card: 'revoked:privilegeWithdrawn',
      derived: 'revoked:privilegeWithdrawn',
    });
    let targets = {};
    await waitUntil(
      "E1's accounts to be disabled",
      async () => {
        const [directory, portal] = [await accounts('directory'), await accounts('portal')];
        targets = { directory: directory.E1, portal: portal['jane.doe@demo.gov'] };
        return directory.E1 === 'disabled []' && portal['jane.doe@demo.gov'] === 'disabled []' ? true : undefined;
      },
      WAIT,
    ).catch((error: Error) => assert.fail(`${error.message}; the targets hold ${JSON.stringify(targets)}`));
    assert.equal((await accounts('directory')).E2, 'enabled [staff]', 'another person keeps their account');
    const signalled = await waitUntil(
      'the RP to accept a credential-change or session-revoked SET for E1',
      async () =>
        rp.sets
          .filter((s) => s.status === 202)
          .map((s) => decodeJwt(s.body))
          .find(
            (set) =>
              (set.sub_id as { sub?: string } | undefined)?.sub === sub &&
              Object.keys(set.events as object).some((uri) => ([SIGNAL_EVENTS['session-revoked'], SIGNAL_EVENTS['credential-change']] as string[]).includes(uri)),
          ),
      WAIT,
    );
    assert.equal(signalled.iss, fm.issuer);

    const again = await certificateSignIn(fm, new BrowserFetch(), `${rp.url}/login`, cards.E1!);
    assert.equal(again.status, 403, again.body);
    assert.match(again.body, /Sign-in refused/);
  });

  test('(b) eligibility taken back to pending holds the card and the derived credential; favorable restores them', { skip }, async () => {
    await vetting({ E1: 'unfavorable,current', E2: 'interim,current' });
    assert.deepEqual(await statusesOf('E2'), { card: 'good', derived: 'good' }, 'an interim determination changes nothing');
    await vetting({ E1: 'unfavorable,current', E2: 'pending,current' });
    await waitForStatuses('E2', { card: 'revoked:certificateHold', derived: 'revoked:certificateHold' }, "E2's credentials to go on hold");
    await vetting({ E1: 'unfavorable,current', E2: 'favorable,current' });
    await waitForStatuses('E2', { card: 'good', derived: 'good' }, "E2's credentials to come back");
    assert.deepEqual(await statusesOf('E1'), { card: 'revoked:privilegeWithdrawn', derived: 'revoked:privilegeWithdrawn' }, 'a withdrawal is not undone by a later import');
  });

  test('(c) a card terminated as withdrawn ends its derived credential; suspend holds it and reinstate restores it', { skip }, async () => {
    const suspended = await api(tokens.officer, `/api/cards/${cards.E2!.credentialId}/suspend`, { reason: 'card left unattended in a kiosk' });
    assert.equal(suspended.status, 200, JSON.stringify(suspended.json));
    await waitForStatuses('E2', { card: 'revoked:certificateHold', derived: 'revoked:certificateHold' }, "E2's derived credential to be held with the card");
    const reinstated = await api(tokens.officer, `/api/cards/${cards.E2!.credentialId}/reinstate`, { reason: 'card recovered and inspected' });
    assert.equal(reinstated.status, 200, JSON.stringify(reinstated.json));
    await waitForStatuses('E2', { card: 'good', derived: 'good' }, "E2's derived credential to be restored with the card");

    const terminated = await api(tokens.officer, `/api/cards/${cards.E3!.credentialId}/terminate`, { reason: 'withdrawn' });
    assert.equal(terminated.status, 200, JSON.stringify(terminated.json));
    const ended = await waitForStatuses('E3', { card: 'revoked:privilegeWithdrawn', derived: 'revoked:privilegeWithdrawn' }, "E3's derived credential to end with the card");
    assert.equal(ended.derived, ended.card, "the derived credential ends for the card's reason");
  });

  test('(d) a hold survives an HR snapshot that lists the person as active, and its placer cannot release it', { skip }, async () => {
    const placed = await api(tokens.officer, `/api/identities/${fm.ids.E2}/holds`, { reason: 'insider-threat referral 2026-114' });
    assert.equal(placed.status, 201, JSON.stringify(placed.json));
    await waitForStatuses('E2', { card: 'revoked:certificateHold', derived: 'revoked:certificateHold' }, "the hold to suspend E2's credentials");
    await waitUntil("E2's directory account to be disabled", async () => ((await accounts('directory')).E2?.startsWith('disabled') ? true : undefined), WAIT);

    await fm.hrSnapshot({ E3: 'active' });
    const identity = (await loadIdentities(fm.muster.store, [fm.ids.E2!])).get(fm.ids.E2!);
    assert.equal(identity?.status, 'suspended', 'the snapshot listing E2 as active left the hold in place');
    assert.deepEqual(await statusesOf('E2'), { card: 'revoked:certificateHold', derived: 'revoked:certificateHold' });

    const bySamePerson = await api(tokens.officer, `/api/identities/${fm.ids.E2}/holds/release`, { reason: 'referral closed' });
    assert.equal(bySamePerson.status, 403, JSON.stringify(bySamePerson.json));
    const bySecond = await api(tokens.second, `/api/identities/${fm.ids.E2}/holds/release`, { reason: 'referral closed, no finding' });
    assert.equal(bySecond.status, 200, JSON.stringify(bySecond.json));
    await waitForStatuses('E2', { card: 'good', derived: 'good' }, "the release to restore E2's credentials");
    await waitUntil("E2's directory account to be enabled again", async () => ((await accounts('directory')).E2 === 'enabled [staff]' ? true : undefined), WAIT);
  });

  let leaverEvent = 0;

  test('(e) the trace of an HR leaver event reaches every job, target operation and SET on one correlation id', { skip }, async () => {
    const signedIn = await certificateSignIn(fm, new BrowserFetch(), `${rp.url}/login`, cards.E2!);
    assert.equal(signedIn.status, 200, signedIn.body);
    const since = new Date(Date.now() - 1000);
    await fm.hrSnapshot({ E2: 'terminated' });
    await waitForStatuses('E2', { card: 'revoked:affiliationChanged', derived: 'revoked:affiliationChanged' }, "the leaver's credentials to be revoked");
    const settled = await waitUntil(
      "the leaver's jobs, operations and SETs to settle",
      async () => {
        const [trace] = (await traceIdentity(fm.muster.store, fm.ids.E2!, since)).filter((t) => t.event.type === 'identity.leaver');
        if (!trace) return undefined;
        const done =
          trace.jobs.length > 0 &&
          trace.jobs.every((j) => j.status === 'done') &&
          ['directory', 'portal'].every((target) => trace.operations.some((o) => o.target === target && o.status === 'done')) &&
          trace.signals.some((s) => s.clientId === rp.clientId && s.deliveredAt !== null);
        return done ? trace : undefined;
      },
      WAIT,
    );
    leaverEvent = settled.event.id;
    const correlation = settled.event.correlationId;
    assert.match(correlation, /^import-/, "the HR import's correlation id");
    assert.ok(settled.revocations.length >= 2, JSON.stringify(settled.revocations));
    assert.ok(
      settled.audit.some((entry) => entry.action === 'provision.applied'),
      JSON.stringify(settled.audit.map((a) => a.action)),
    );
    assert.deepEqual([...new Set(settled.audit.map((entry) => entry.correlationId))], [correlation], "every audit entry of the thread is on the import's correlation id");
  });

  test("(f) the leaver's evidence verifies offline; one edited byte fails it", { skip }, async () => {
    assert.ok(leaverEvent > 0, 'the leaver of (e)');
    const evidence = await produceEvidence(fm.muster, { identityId: fm.ids.E2!, eventId: leaverEvent, actor: 'auditor.ann', correlationId: 'credential-truth', connectors });
    const verified = await verifyEvidence(evidence.text);
    assert.deepEqual(
      verified.checks.filter((c) => !c.ok),
      [],
    );
    const at = evidence.text.indexOf('"payload":"') + 40;
    const edited = `${evidence.text.slice(0, at)}${evidence.text[at] === 'A' ? 'B' : 'A'}${evidence.text.slice(at + 1)}`;
    assert.equal((await verifyEvidence(edited)).ok, false);
  });

  test('no part of muster reported a failure', { skip }, () => {
    assert.deepEqual(fm.errors, []);
  });
});
