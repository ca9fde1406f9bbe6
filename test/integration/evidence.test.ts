// Leaver evidence end to end: a person with a PIV card, a PKI Derived PIV credential and an account in a SCIM
// service leaves; the bundle muster signs is checked offline, fails on any edited byte, on a wrong trust anchor or
// audit key, and its OCSP responses verify with OpenSSL too.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { generateSigningKeyPem, publicPemOf, signerFromPem } from '../../src/audit/checkpoint.ts';
import { signEvidence } from '../../src/audit/evidence/jws.ts';
import type { EvidenceBody } from '../../src/audit/evidence/bundle.ts';
import { verifyEvidence } from '../../src/audit/evidence/verify.ts';
import { testOperator } from '../../src/operators/test-operators.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { evidenceCommands } from '../../src/cli/commands/evidence.ts';
import { runCli } from '../../src/cli/main.ts';
import { createCaHierarchy } from '../../src/pki/ca.ts';
import { produceEvidence, type Evidence } from '../../src/runtime/evidence/index.ts';
import { equipPerson, hrLeaver, type LeaverWorld, leaverWorld } from '../support/leaver.ts';
import { type SlapdInstance, slapdSkip, startSlapd } from '../support/slapd.ts';
import { describeEachStore } from '../support/stores.ts';

const run = promisify(execFile);

function payloadOf(text: string): EvidenceBody {
  return JSON.parse(Buffer.from(JSON.parse(text).payload, 'base64url').toString('utf8')) as EvidenceBody;
}

/** The bundle with one byte of its payload's JSON changed where `find` first occurs, the signature left as it was. */
function withPayloadEdit(text: string, find: string, replace: string): string {
  const jws = JSON.parse(text);
  const json = Buffer.from(jws.payload, 'base64url').toString('utf8');
  assert.ok(json.includes(find), `the payload holds ${find.slice(0, 20)}`);
  return `${JSON.stringify({ ...jws, payload: Buffer.from(json.replace(find, replace)).toString('base64url') })}\n`;
}

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** `muster ARGS` with the evidence commands, its output collected. */
async function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [stdout, stderr] = [new Collector(), new Collector()];
  const code = await runCli(args, { io: { stdout, stderr, env: {}, handleSignals: false }, groups: [evidenceCommands] });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function failed(result: { checks: readonly { check: string; ok: boolean }[] }): string[] {
  return result.checks.filter((c) => !c.ok).map((c) => c.check);
}

describeEachStore('leaver evidence: produced, verified offline, and broken by any edit', (factory) => {
  let world: LeaverWorld;
  let identityId = '';
  let evidence: Evidence;

  let slapd: SlapdInstance | undefined;

  before(async () => {
    if (!slapdSkip()) slapd = await startSlapd();
    world = await leaverWorld(await factory.open(), 2, { ...(slapd ? { slapd } : {}) });
    identityId = await equipPerson(world, 'E1');
    await world.settle();
    await hrLeaver(world, 'E1');
    await world.settle();
    evidence = await produceEvidence(world.muster, { identityId, actor: 'auditor.ann', correlationId: 'evidence-test', connectors: world.connectors });
  });

  after(async () => {
    await world?.close();
    await slapd?.stop();
  });

  test('the bundle holds the HR event, three revoked certificates on a CRL, the SCIM account read back disabled, and the audit anchor', () => {
    const body = payloadOf(evidence.text);
    assert.deepEqual([body.event.type, body.event.source, body.event.correlationId], ['identity.leaver', 'hr', 'hr-leaver-E1']);
    assert.deepEqual(body.certificates.map((c) => [c.profile, c.status, c.reason]).sort(), [
      ['card-auth', 'revoked', 'affiliationChanged'],
      ['derived-piv-auth', 'revoked', 'affiliationChanged'],
      ['piv-auth', 'revoked', 'affiliationChanged'],
    ]);
    assert.ok(body.certificates.every((c) => c.crlNumber !== null && body.crls.some((crl) => crl.number === c.crlNumber)));
    const portal = body.accounts.find((a) => a.target === 'portal');
    assert.deepEqual(portal?.readBack.read && portal.readBack.found ? [portal.readBack.enabled, portal.readBack.groups] : portal?.readBack, [false, []]);
    assert.ok(portal?.operations.some((o) => o.status === 'done' && o.doneAt !== null));
    if (slapd) {
      const directory = body.accounts.find((a) => a.target === 'directory');
      assert.deepEqual(directory?.readBack.read && directory.readBack.found ? [directory.kind, directory.readBack.enabled, directory.readBack.groups] : directory, ['ldap', false, []]);
    }
    assert.ok(body.audit.leaverSeqs.length >= 3 && body.audit.entries.at(-1)?.seq === body.audit.checkpoint.seq);
    assert.ok(body.timeline.totalMs >= 0 && body.timeline.steps.length > 0);
  });

  test('muster evidence verify: every check passes, and without keys it prints the fingerprints it relied on', async () => {
    const result = await verifyEvidence(evidence.text);
    assert.deepEqual(failed(result), []);
    assert.equal(result.ok, true);
    assert.match(result.checks.find((c) => c.check === 'trust anchor')?.detail ?? '', /SHA-256 [0-9A-F:]{95}/);
    assert.match(result.checks.find((c) => c.check === 'audit key')?.detail ?? '', /SHA-256 [0-9A-F:]{95}/);
    assert.equal(result.checks.filter((c) => c.check.startsWith('OCSP ')).length, 3);
  });

  test("with the auditor's own root and audit key it passes; a wrong root or a wrong key fails naming it", async () => {
    const ca = await world.muster.ca();
    const auditKeyPem = world.muster.auditKeys.signer.publicKeyPem;
    const trustAnchorPem = ca.root.certificate.toString('pem');
    assert.deepEqual(failed(await verifyEvidence(evidence.text, { auditKeyPem, trustAnchorPem })), []);
    const otherRoot = (await createCaHierarchy({ rootName: 'CN=Other Root,C=US', issuingName: 'CN=Other Issuing,C=US', keyAlgorithm: 'ecdsa-p256' }, world.muster.clock)).root.certificate.toString(
      'pem',
    );
    const wrongRoot = await verifyEvidence(evidence.text, { auditKeyPem, trustAnchorPem: otherRoot });
    assert.deepEqual([wrongRoot.ok, failed(wrongRoot)], [false, ['trust anchor']]);
    const wrongKey = await verifyEvidence(evidence.text, { auditKeyPem: publicPemOf(generateSigningKeyPem()), trustAnchorPem });
    assert.deepEqual([wrongKey.ok, failed(wrongKey)], [false, ['audit key']]);
  });

  test('one byte changed anywhere in the file fails verification', async () => {
    const text = evidence.text;
    for (const at of [2, 20, Math.floor(text.length / 2), text.length - 30, text.length - 3]) {
      const bytes = Buffer.from(text);
      bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
      const result = await verifyEvidence(bytes.toString('latin1'));
      assert.equal(result.ok, false, `byte ${at} changed`);
    }
    const spaced = await verifyEvidence(text.replace('{"payload"', '{ "payload"'));
    assert.deepEqual(failed(spaced), ['bundle file']);
  });

  test('an OCSP response edited inside the bundle fails: the bundle signature breaks, and re-signed with another key the audit key check does', async () => {
    const body = payloadOf(evidence.text);
    const ocsp = body.certificates[0]?.ocspResponse as string;
    const der = Buffer.from(ocsp, 'base64');
    // the last byte of the serial in the signed ResponseData: the answer then speaks of another certificate
    const serialBytes = Buffer.from(body.certificates[0]?.serial as string, 'hex');
    const at = der.indexOf(serialBytes) + serialBytes.length - 1;
    der.writeUInt8((der[at] as number) ^ 0x01, at);
    const edited = withPayloadEdit(evidence.text, ocsp, der.toString('base64'));
    const result = await verifyEvidence(edited);
    assert.deepEqual(failed(result), ['bundle signature']);
    const forger = signerFromPem(generateSigningKeyPem());
    const forged = payloadOf(edited);
    const resigned = signEvidence({ ...forged, audit: { ...forged.audit, key: { keyId: forger.keyId, publicKeyPem: forger.publicKeyPem } } }, forger);
    const serial = forged.certificates[0]?.serial as string;
    assert.deepEqual(failed(await verifyEvidence(resigned)), [`OCSP ${serial}`, 'audit checkpoint']);
    assert.deepEqual(failed(await verifyEvidence(resigned, { auditKeyPem: world.muster.auditKeys.signer.publicKeyPem })), ['audit key']);
  });

  test('even signed by muster, a bundle whose certificate no CRL lists, or whose OCSP answer is for another certificate, fails those checks', async () => {
    const body = payloadOf(evidence.text);
    const [first, ...rest] = body.certificates;
    const serial = first?.serial as string;
    const other = rest[0]?.ocspResponse as string;
    const claimed = { ...body, certificates: [{ ...first, crlNumber: null }, ...rest] } as EvidenceBody;
    assert.deepEqual(failed(await verifyEvidence(signEvidence(claimed, world.muster.auditKeys.signer))), [`CRL lists ${serial}`]);
    const swapped = { ...body, certificates: [{ ...first, ocspResponse: other }, ...rest] } as EvidenceBody;
    assert.deepEqual(failed(await verifyEvidence(signEvidence(swapped, world.muster.auditKeys.signer))), [`OCSP ${serial}`]);
  });

  test('an OCSP response taken out of the bundle verifies with openssl ocsp -respin against the chain in the bundle', async () => {
    const body = payloadOf(evidence.text);
    const dir = world.dir;
    const pem = (b64: string) => `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;
    await writeFile(join(dir, 'ev-root.pem'), pem(body.chain.root));
    await writeFile(join(dir, 'ev-issuing.pem'), pem(body.chain.issuing));
    for (const c of body.certificates) {
      await writeFile(join(dir, `ev-${c.serial}.der`), Buffer.from(c.ocspResponse, 'base64'));
      await writeFile(join(dir, `ev-${c.serial}.pem`), pem(c.certificate));
      const { stdout, stderr } = await run(
        'openssl',
        ['ocsp', '-respin', `ev-${c.serial}.der`, '-CAfile', 'ev-root.pem', '-verify_other', 'ev-issuing.pem', '-issuer', 'ev-issuing.pem', '-cert', `ev-${c.serial}.pem`, '-no_nonce'],
        { cwd: dir },
      );
      const out = stdout + stderr;
      assert.match(out, /Response verify OK/);
      assert.match(out, /: revoked/);
    }
  });

  test('muster evidence verify FILE prints one line per check and exits 0; an edited file, a wrong anchor or key exit 1 naming what broke', async () => {
    const file = join(world.dir, 'evidence.jws');
    await writeFile(file, evidence.text);
    await writeFile(join(world.dir, 'root.pem'), (await world.muster.ca()).root.certificate.toString('pem'));
    await writeFile(join(world.dir, 'audit.pem'), world.muster.auditKeys.signer.publicKeyPem);
    await writeFile(join(world.dir, 'other-audit.pem'), publicPemOf(generateSigningKeyPem()));
    const good = await cli(['evidence', 'verify', file, '--trust-anchor', join(world.dir, 'root.pem'), '--audit-key', join(world.dir, 'audit.pem')]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /^ok {3}bundle signature: /m);
    assert.equal(good.stdout.trim().split('\n').length, good.stdout.split('ok   ').length - 1);
    const wrongKey = await cli(['evidence', 'verify', file, '--audit-key', join(world.dir, 'other-audit.pem')]);
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stdout, /^FAIL audit key: /m);
    assert.match(wrongKey.stderr, /MUSTER_ERR_EVIDENCE|fails verification: audit key/);
    const edited = join(world.dir, 'edited.jws');
    await writeFile(
      edited,
      evidence.text.replace(/"signature":"(.)/, (_m, c: string) => `"signature":"${c === 'A' ? 'B' : 'A'}`),
    );
    const broken = await cli(['evidence', 'verify', edited]);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /^FAIL bundle signature: /m);
  });

  test('GET /api/identities/{id}/evidence answers a bundle that verifies as it is; an unknown identity is 404', async () => {
    const app = createHttpApp(world.muster);
    const { token } = await testOperator(world.muster, ['auditor']);
    const headers = { authorization: `Bearer ${token}` };
    const response = await app.request(`/api/identities/${identityId}/evidence`, { headers });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.deepEqual(failed(await verifyEvidence(text)), []);
    assert.equal(payloadOf(text).event.id, payloadOf(evidence.text).event.id);
    const missing = await app.request('/api/identities/00000000-0000-4000-8000-0000000000ff/evidence', { headers });
    assert.equal(missing.status, 404);
  });

  test('a bad id, a person who has not left, or an event that is not a leaver event is refused naming it', async () => {
    const ask = (id: string, eventId?: number) => produceEvidence(world.muster, { identityId: id, eventId, actor: 'auditor.ann', correlationId: 'evidence-refused', connectors: world.connectors });
    await assert.rejects(ask('E1'), { code: 'MUSTER_ERR_VALIDATION', message: /not a UUID/ });
    const stayer = await world.muster.store.db.selectFrom('identities').select('id').where('id', '<>', identityId).executeTakeFirstOrThrow();
    await assert.rejects(ask(stayer.id), { code: 'MUSTER_ERR_NOT_FOUND', message: /has no leaver event/ });
    const other = await world.muster.store.db.selectFrom('events').select('id').where('identity_id', '=', identityId).where('type', '=', 'credential.terminated').executeTakeFirstOrThrow();
    await assert.rejects(ask(identityId, Number(other.id)), { code: 'MUSTER_ERR_VALIDATION', message: /is credential.terminated, not a leaver event/ });
  });

  test('producing evidence is itself audited, naming who asked and the bundle hash', async () => {
    const rows = await world.muster.store.db.selectFrom('audit_log').select(['actor', 'data']).where('action', '=', 'evidence.issued').orderBy('seq').execute();
    assert.deepEqual(rows.map((r) => [r.actor, (r.data as { sha256: string }).sha256])[0], ['auditor.ann', evidence.sha256]);
  });
});
