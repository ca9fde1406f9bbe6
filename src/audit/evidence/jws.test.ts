import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateSigningKeyPem, signerFromPem } from '../checkpoint.ts';
import type { EvidenceBody } from './bundle.ts';
import { parseBundleFile, signEvidence, verifyEvidenceJws } from './jws.ts';

const signer = signerFromPem(generateSigningKeyPem());
const body = { format: 'muster-leaver-evidence/v1', identityId: 'person-1', note: 'ünïcødé' } as unknown as EvidenceBody;

test('a signed bundle is compact JSON with one newline and verifies with the audit key, giving the evidence back', async () => {
  const text = signEvidence(body, signer);
  assert.ok(text.endsWith('}\n') && !text.slice(0, -1).includes('\n') && !text.includes(' "'));
  const parsed = parseBundleFile(text);
  assert.ok('jws' in parsed);
  const { body: back, kid } = await verifyEvidenceJws(parsed.jws, signer.publicKeyPem);
  assert.deepEqual([back, kid], [body, signer.keyId]);
});

test('a file not in its exact written form is refused, and so is one signed with another key', async () => {
  const text = signEvidence(body, signer);
  assert.match((parseBundleFile(`${text}\n`) as { problem: string }).problem, /exact written form/);
  assert.match((parseBundleFile(text.replace(',"signatures"', ', "signatures"')) as { problem: string }).problem, /exact written form/);
  assert.match((parseBundleFile('{"payload":"x"}\n') as { problem: string }).problem, /one signature/);
  const other = signerFromPem(generateSigningKeyPem());
  const parsed = parseBundleFile(signEvidence(body, other));
  assert.ok('jws' in parsed);
  await assert.rejects(verifyEvidenceJws(parsed.jws, signer.publicKeyPem), /signature verification failed/);
});
