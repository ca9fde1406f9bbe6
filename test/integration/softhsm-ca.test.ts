import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ManualClock } from '../../src/core/clock.ts';
import { createCaHierarchy } from '../../src/pki/ca.ts';
import { openPkcs11CaKey, type Pkcs11CaKey } from '../../src/pki/hsm/index.ts';
import { createIssuer } from '../../src/pki/issue.ts';
import type { CaKeyAlgorithm } from '../../src/pki/keys.ts';
import { findExecutable, peerSkip } from '../support/peers.ts';
import { createSoftHsmToken, softHsmSkip, type SoftHsmToken } from '../support/softhsm.ts';

const run = promisify(execFile);
const clock = new ManualClock(new Date(Date.now() - 60_000));
const URLS = { caIssuers: 'http://pki.example.gov/issuing.p7c', ocsp: 'http://ocsp.example.gov', crl: 'http://pki.example.gov/issuing.crl' };
let dir = '';
let token: SoftHsmToken;

const openssl = async (...args: string[]) => (await run('openssl', args, { cwd: dir })).stdout;
const skip = softHsmSkip() || peerSkip('OpenSSL', findExecutable('openssl') !== null);

function openKey(keyLabel: string, algorithm: CaKeyAlgorithm, create = true): Promise<Pkcs11CaKey> {
  return openPkcs11CaKey({ module: token.module, tokenLabel: token.tokenLabel, pin: token.pin, keyLabel, algorithm, create });
}

async function csr(name: string): Promise<string> {
  await openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=applicant');
  return readFile(join(dir, `${name}.csr`), 'utf8');
}

interface Run {
  readonly name: string;
  readonly root: CaKeyAlgorithm;
  readonly issuing: CaKeyAlgorithm;
  readonly signature: RegExp;
}

const RUNS: readonly Run[] = [
  { name: 'ecdsa', root: 'ecdsa-p384', issuing: 'ecdsa-p384', signature: /Signature Algorithm: ecdsa-with-SHA384/ },
  { name: 'rsa', root: 'rsa-3072', issuing: 'rsa-2048', signature: /Signature Algorithm: sha256WithRSAEncryption/ },
];

/** Builds root and issuing CA on the token, issues a Derived PIV leaf, and writes the three PEMs. */
async function hierarchyOnToken(spec: Run): Promise<{ rootSpki: Buffer; issuingLabel: string }> {
  const rootKey = await openKey(`${spec.name}-root`, spec.root);
  const issuingKey = await openKey(`${spec.name}-issuing`, spec.issuing);
  try {
    const ca = await createCaHierarchy(
      {
        rootName: `CN=HSM ${spec.name} Root CA,OU=muster,O=U.S. Government,C=US`,
        issuingName: `CN=HSM ${spec.name} Issuing CA,OU=muster,O=U.S. Government,C=US`,
        rootKey,
        issuingKey,
      },
      clock,
    );
    assert.deepEqual(Buffer.from(ca.root.certificate.publicKey.rawData), Buffer.from(rootKey.spki), 'the root certifies the token key');
    const leaf = await createIssuer({ ca: ca.issuing, clock, urls: URLS }).issue('derived-piv-auth', { csr: await csr(spec.name), subject: 'CN=Jane Doe,OU=muster,O=U.S. Government,C=US' });
    await writeFile(join(dir, `${spec.name}-root.pem`), ca.root.certificate.toString('pem'));
    await writeFile(join(dir, `${spec.name}-issuing.pem`), ca.issuing.certificate.toString('pem'));
    await writeFile(join(dir, `${spec.name}-leaf.pem`), leaf.pem);
    return { rootSpki: Buffer.from(rootKey.spki), issuingLabel: `${spec.name}-issuing` };
  } finally {
    rootKey.close();
    issuingKey.close();
  }
}

describe('a CA hierarchy whose keys live on SoftHSM2', { skip }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-softhsm-ca-'));
    token = await createSoftHsmToken('muster-ca');
  });
  after(async () => {
    await token?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  for (const spec of RUNS) {
    test(`${spec.root} root and ${spec.issuing} issuing CA on the token: openssl -x509_strict verifies the Derived PIV leaf`, async () => {
      const { rootSpki } = await hierarchyOnToken(spec);
      const out = await openssl('verify', '-x509_strict', '-CAfile', `${spec.name}-root.pem`, '-untrusted', `${spec.name}-issuing.pem`, `${spec.name}-leaf.pem`);
      assert.equal(out.trim(), `${spec.name}-leaf.pem: OK`);
      assert.match(await openssl('x509', '-in', `${spec.name}-issuing.pem`, '-noout', '-text'), spec.signature);
      assert.match(await openssl('x509', '-in', `${spec.name}-leaf.pem`, '-noout', '-text'), spec.signature);
      const reopened = await openKey(`${spec.name}-root`, spec.root, false);
      reopened.close();
      assert.deepEqual(Buffer.from(reopened.spki), rootSpki, 'the root key persists on the token under its label');
    });
  }

  test('openssl refuses a leaf whose token signature was altered by one bit', async () => {
    for (const spec of RUNS) {
      const der = Buffer.from(new X509Certificate(await readFile(join(dir, `${spec.name}-leaf.pem`))).raw);
      der[der.length - 1] = (der.at(-1) ?? 0) ^ 0x01;
      const body = der
        .toString('base64')
        .replace(/(.{64})/g, '$1\n')
        .trimEnd();
      await writeFile(join(dir, `${spec.name}-altered.pem`), `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`);
      await assert.rejects(
        openssl('verify', '-x509_strict', '-CAfile', `${spec.name}-root.pem`, '-untrusted', `${spec.name}-issuing.pem`, `${spec.name}-altered.pem`),
        (e: Error & { stdout?: string; stderr?: string }) => /certificate signature failure/.test(`${e.stdout}${e.stderr}`),
      );
    }
  });
});
