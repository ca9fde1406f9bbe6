// The credential promise end to end, on a running muster (HTTP, worker, OCSP, CRL publisher) with real peers: a demo
// person gets a PIV card (PKCS#12), a PKI Derived PIV credential and a FIDO2 one registered by Chromium under a
// virtual authenticator; OpenSSL verifies the chains and asks OCSP; then HR says the person left, and every one of
// them fails: OCSP 'revoked', a new CRL that OpenSSL rejects the certificates with, the WebAuthn binding gone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { testOperator } from '../../src/operators/test-operators.ts';
import { loadConfig } from '../../src/config/load.ts';
import { issuanceStaff, keyAndCsr, signChallenge } from '../../src/credentials/test-fixtures.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { serveHttp, type RunningServer } from '../../src/http/serve.ts';
import { startMuster, type Muster } from '../../src/runtime/context.ts';
import { issueDemoPivCard, type DemoPivResult } from '../../src/runtime/demo-piv.ts';
import { startPkiServing, type PkiServing } from '../../src/runtime/pki-serving.ts';
import { startJobWorker } from '../../src/runtime/workers.ts';
import { addVirtualAuthenticator, chromiumSkip, launchChromium } from '../support/chromium.ts';
import { HR_HEADER, hrLine } from '../support/muster.ts';
import { seedPgliteDataDir } from '../support/pglite-template.ts';
import { type WaitOptions, waitUntil } from '../support/wait.ts';

const run = promisify(execFile);
const VETTING = 'employee_id,eligibility,status,investigation_type,adjudication_date,continuous_vetting\nE1,favorable,current,Tier 3,2025-11-01,true\n';
/** Certificates reach OCSP and the CRL on the publisher's next rounds. */
const PIV_WAIT: WaitOptions = { timeoutMs: 30_000, intervalMs: 50 };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('PIV card, PKI and FIDO2 Derived PIV, and the leaver cascade on a running muster', { skip: chromiumSkip() }, () => {
  let dir = '';
  let base = '';
  let muster: Muster;
  let pki: PkiServing;
  let server: RunningServer;
  let stopWorker: (() => Promise<void>) | undefined;
  let browser: Browser;
  let token = '';
  let demo: DemoPivResult;
  let identityId = '';
  const files: Record<string, string> = {};

  const api = async (path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await response.json()) as any;
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const openssl = async (args: string[]) => {
    try {
      const { stdout, stderr } = await run('openssl', args, { cwd: dir });
      return { ok: true, out: stdout + stderr };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  };
  const ocsp = (leaf: string) => openssl(['ocsp', '-issuer', 'issuing-ca.pem', '-cert', leaf, '-url', `${base}/ocsp`, '-CAfile', 'root-ca.pem', '-verify_other', 'issuing-ca.pem', '-no_nonce']);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-cascade-'));
    await seedPgliteDataDir(join(dir, 'data'));
    const port = await freePort();
    base = `http://localhost:${port}`;
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: join(dir, 'data'),
        server: { port },
        workers: { pollMs: 50 },
        pki: { baseUrl: `http://127.0.0.1:${port}`, publishPollMs: 50 },
        credentials: { webauthn: { rpId: 'localhost', origins: [base] } },
      },
    });
    muster = await startMuster(config);
    await issuanceStaff(muster);
    const hr = await muster.imports.run({
      source: 'hr',
      file: await writeFile(join(dir, 'hr.csv'), `${HR_HEADER}\n${hrLine('E1')}\n${hrLine('E2')}\n`).then(() => join(dir, 'hr.csv')),
      actor: 'test',
    });
    assert.equal(hr.status, 'applied');
    await writeFile(join(dir, 'vetting.csv'), VETTING);
    assert.equal((await muster.imports.run({ source: 'vetting', file: join(dir, 'vetting.csv'), actor: 'test' })).status, 'applied');
    token = (await testOperator(muster, ['issuer', 'ca-operator', 'source-feed:hr'])).token;
    pki = await startPkiServing(muster);
    server = await serveHttp(createHttpApp(muster), { host: '127.0.0.1', port, before: [pki.listener] });
    stopWorker = startJobWorker(muster);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await stopWorker?.();
    await server?.close();
    await pki?.stop();
    await muster?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('muster demo piv: a PKCS#12 software card whose chain OpenSSL verifies and whose OCSP answer is good', async () => {
    demo = await issueDemoPivCard(muster, 'E1', dir, 'secret-pin', { actor: 'operator:0ff1ce00-0000-4000-8000-000000000001', correlationId: 'demo-piv' });
    identityId = demo.identityId;
    await openssl(['pkcs12', '-in', demo.files.pivAuth, '-passin', 'pass:secret-pin', '-nokeys', '-clcerts', '-out', 'piv-auth.pem']);
    const key = await openssl(['pkcs12', '-in', demo.files.pivAuth, '-passin', 'pass:secret-pin', '-nocerts', '-nodes', '-out', 'piv-auth.key']);
    assert.ok(key.ok, key.out);
    await openssl(['pkcs12', '-in', demo.files.cardAuth, '-passin', 'pass:secret-pin', '-nokeys', '-clcerts', '-out', 'card-auth.pem']);
    for (const leaf of ['piv-auth.pem', 'card-auth.pem']) {
      const verified = await openssl(['verify', '-x509_strict', '-CAfile', 'root-ca.pem', '-untrusted', 'issuing-ca.pem', leaf]);
      assert.ok(verified.ok, verified.out);
      const answer = await waitUntil(
        `OCSP good for ${leaf}`,
        async () => {
          const r = await ocsp(leaf);
          return /: good/.test(r.out) ? r.out : undefined;
        },
        PIV_WAIT,
      );
      assert.match(answer, /Response verify OK/);
    }
    files.pivKey = join(dir, 'piv-auth.key');
  });

  test('a PKI Derived PIV credential, bound over REST with a signature by the card key; a bare hardware claim gets .40, and the answer says so', async () => {
    const { readFile } = await import('node:fs/promises');
    const pivPem = await readFile(join(dir, 'piv-auth.pem'), 'utf8');
    const pivKey = await readFile(files.pivKey as string, 'utf8');
    const start = await api('/api/derived/challenges', { identityId });
    const device = await keyAndCsr(dir, 'device');
    const { credential } = await api('/api/derived/pki', {
      identityId,
      challengeId: start.challengeId,
      pivCertificate: pivPem,
      signature: signChallenge(pivKey, start.challenge),
      csr: device.csr,
      hardwareBacked: true,
    });
    assert.deepEqual([credential.policy, credential.hardwareAttested], ['2.16.840.1.101.3.2.1.3.40', false]);
    assert.match(credential.notice, /hardware was claimed but not proven/);
    await writeFile(join(dir, 'derived.pem'), credential.certificatePem);
    const verified = await openssl(['verify', '-x509_strict', '-CAfile', 'root-ca.pem', '-untrusted', 'issuing-ca.pem', 'derived.pem']);
    assert.ok(verified.ok, verified.out);
    await waitUntil('OCSP good for the derived certificate', async () => (/: good/.test((await ocsp('derived.pem')).out) ? true : undefined), PIV_WAIT);
  });

  test('a FIDO2 Derived PIV authenticator registered by Chromium under a virtual authenticator', async () => {
    const { readFile } = await import('node:fs/promises');
    const page = await browser.newPage();
    await page.route(`${base}/enrol`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>enrol</title>' }));
    await page.goto(`${base}/enrol`);
    await addVirtualAuthenticator(page);
    const start = await api('/api/derived/challenges', { identityId });
    // runs in the page (no DOM types here): parse the options, create the credential, return its JSON
    const registration = await page.evaluate(
      `(async (options) => (await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })).toJSON())(${JSON.stringify(start.webauthn)})`,
    );
    const signature = signChallenge(await readFile(files.pivKey as string, 'utf8'), start.challenge);
    const { credential } = await api('/api/derived/fido2', { identityId, challengeId: start.challengeId, pivCertificate: await readFile(join(dir, 'piv-auth.pem'), 'utf8'), signature, registration });
    assert.deepEqual([credential.aaguid, credential.attestationFormat, credential.aal], ['01020304-0506-0708-0102-030405060708', 'packed', 'AAL2']);
    const [row] = await muster.store.query<{ n: number }>('SELECT count(*)::int AS n FROM webauthn_credentials WHERE identity_id = $1', [identityId]);
    assert.equal(row?.n, 1);
    await page.close();
  });

  test('HR says the person left: OCSP revoked, a new CRL OpenSSL rejects them with, the WebAuthn binding gone', async () => {
    const leaves = ['piv-auth.pem', 'card-auth.pem', 'derived.pem'];
    const before = await api('/api/ca');
    const started = Date.now();
    await api('/api/sources/hr/events', { type: 'leaver', effectiveAt: muster.clock.now().toISOString(), record: { employee_id: 'E1', status: 'terminated' } });
    for (const leaf of leaves) await waitUntil(`OCSP revoked for ${leaf}`, async () => (/: revoked/.test((await ocsp(leaf)).out) ? true : undefined), PIV_WAIT);
    const elapsed = Date.now() - started;
    process.stderr.write(`# leaver event to the last OCSP 'revoked' (three certificates, openssl ocsp per poll): ${elapsed} ms\n`);
    const crl = await waitUntil(
      'a CRL listing the three certificates',
      async () => {
        const response = await fetch(`${base}/pki/issuing-ca.crl`);
        const der = Buffer.from(await response.arrayBuffer());
        await writeFile(join(dir, 'issuing.crl'), der);
        const text = await openssl(['crl', '-inform', 'DER', '-in', 'issuing.crl', '-noout', '-text']);
        return (text.out.match(/Serial Number:/g) ?? []).length >= 3 ? text.out : undefined;
      },
      PIV_WAIT,
    );
    assert.match(crl, /Affiliation Changed/);
    const after = await api('/api/ca');
    assert.ok(after.crl.number > before.crl.number, 'a new CRL number');
    await openssl(['crl', '-inform', 'DER', '-in', 'issuing.crl', '-out', 'issuing-crl.pem']);
    // the root's CRL from the issuing CA certificate's CRL distribution point, so the whole chain is checked
    const issuingText = (await openssl(['x509', '-in', 'issuing-ca.pem', '-noout', '-text'])).out;
    const rootCrlUrl = /CRL Distribution Points:\s+Full Name:\s+URI:(\S+)/.exec(issuingText)?.[1] ?? '';
    assert.equal(rootCrlUrl, `http://127.0.0.1:${new URL(base).port}/crl/root.crl`);
    await writeFile(join(dir, 'root.crl'), Buffer.from(await (await fetch(rootCrlUrl)).arrayBuffer()));
    await openssl(['crl', '-inform', 'DER', '-in', 'root.crl', '-out', 'root-crl.pem']);
    for (const leaf of leaves) {
      const verified = await openssl(['verify', '-crl_check_all', '-CAfile', 'root-ca.pem', '-untrusted', 'issuing-ca.pem', '-CRLfile', 'root-crl.pem', '-CRLfile', 'issuing-crl.pem', leaf]);
      assert.equal(verified.ok, false);
      assert.match(verified.out, /certificate revoked/);
    }
    const [row] = await muster.store.query<{ n: number }>('SELECT count(*)::int AS n FROM webauthn_credentials WHERE identity_id = $1', [identityId]);
    assert.equal(row?.n, 0);
    const { items } = await api(`/api/identities/${identityId}/credentials`);
    assert.deepEqual(
      items.map((c: { status: string }) => c.status),
      ['terminated', 'terminated', 'terminated'],
    );
  });
});
