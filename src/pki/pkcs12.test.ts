import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { buildPkcs12 } from './pkcs12.ts';

const run = promisify(execFile);
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'muster-pkcs12-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function selfSigned(): Promise<{ keyPem: string; certDer: Uint8Array }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await writeFile(join(dir, 'key.pem'), keyPem);
  await run('openssl', ['req', '-new', '-x509', '-key', 'key.pem', '-subj', '/CN=holder', '-days', '1', '-outform', 'DER', '-out', 'cert.der'], { cwd: dir });
  return { keyPem, certDer: new Uint8Array(await readFile(join(dir, 'cert.der'))) };
}

test('OpenSSL opens the PKCS#12 with its passphrase (MAC checked, key decrypted) and refuses a wrong one', async () => {
  const { keyPem, certDer } = await selfSigned();
  await writeFile(join(dir, 'card.p12'), buildPkcs12({ keyPem, certificates: [certDer], password: 'correct horse 1', friendlyName: 'PIV Authentication' }));
  const opened = await run('openssl', ['pkcs12', '-in', 'card.p12', '-passin', 'pass:correct horse 1', '-nodes', '-info'], { cwd: dir });
  assert.match(opened.stdout, /friendlyName: PIV Authentication/);
  assert.match(opened.stdout, /BEGIN PRIVATE KEY/);
  await assert.rejects(run('openssl', ['pkcs12', '-in', 'card.p12', '-passin', 'pass:wrong', '-nodes', '-info'], { cwd: dir }), /Mac verify error|mac verify failure/i);
});
