import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, test } from 'node:test';
import { limitsSchema } from '../../config/limits-schema.ts';
import { peerCertificates } from './interactions/peer-certificate.ts';
import { startMtlsListener } from './mtls.ts';

const dir = mkdtempSync(join(tmpdir(), 'muster-mtls-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Test PIV CA', '-days', '2');
openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'card.key', '-out', 'card.csr', '-subj', '/CN=Card Holder');
openssl('x509', '-req', '-in', 'card.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-out', 'card.pem', '-days', '1');
// another agency's card: its CA's intermediate signs it, and the browser sends the intermediate along
openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'other-root.key', '-out', 'other-root.pem', '-subj', '/CN=Other Root', '-days', '2');
openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'other-int.key', '-out', 'other-int.csr', '-subj', '/CN=Other Issuing CA');
openssl('x509', '-req', '-in', 'other-int.csr', '-CA', 'other-root.pem', '-CAkey', 'other-root.key', '-out', 'other-int.pem', '-days', '1');
openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'other-card.key', '-out', 'other-card.csr', '-subj', '/CN=Other Holder');
openssl('x509', '-req', '-in', 'other-card.csr', '-CA', 'other-int.pem', '-CAkey', 'other-int.key', '-out', 'other-card.pem', '-days', '1');
const read = (name: string) => readFileSync(join(dir, name), 'utf8');

function get(origin: string, agent: Agent): Promise<{ reused: boolean; subject: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}/`, { agent }, (res: IncomingMessage) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      res.on('end', () => resolve(JSON.parse(body) as { reused: boolean; subject: string }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The mutual-TLS listener with the test CA as its only anchor, answering with `answer`. */
function listen(answer: (req: IncomingMessage) => { reused: boolean; subject: string }) {
  return startMtlsListener({
    host: '127.0.0.1',
    port: 0,
    credentials: { key: read('ca.key'), cert: read('ca.pem'), chain: [], ca: [read('ca.pem')], notAfter: new Date(Date.now() + 86_400_000) },
    limits: limitsSchema.parse({}),
    listener: (req, res) => {
      res.end(JSON.stringify(answer(req)));
      return true;
    },
  });
}

test('a browser coming back resumes its TLS session, and the certificate it proved is still the one read', async () => {
  const listener = await listen((req) => ({ reused: (req.socket as TLSSocket).isSessionReused(), subject: peerCertificates(req.socket).leaf.subject }));
  const browser = new Agent({ key: read('card.key'), cert: read('card.pem'), ca: read('ca.pem'), checkServerIdentity: () => undefined, keepAlive: false });
  try {
    const first = await get(listener.origin, browser);
    const second = await get(listener.origin, browser);
    assert.deepEqual(first, { reused: false, subject: 'CN=Card Holder' });
    assert.deepEqual(second, { reused: true, subject: 'CN=Card Holder' });
  } finally {
    browser.destroy();
    await listener.close();
  }
});

test('the certificate read is the one presented; the certificates sent above it are read when asked; none presented is refused', async () => {
  const listener = await listen((req) => {
    try {
      const peer = peerCertificates(req.socket);
      return {
        reused: false,
        subject: `${peer.leaf.subject} < ${peer
          .offered()
          .map((c) => c.subject)
          .join(' < ')}`,
      };
    } catch (error) {
      return { reused: false, subject: (error as Error).message };
    }
  });
  const withChain = new Agent({ key: read('other-card.key'), cert: `${read('other-card.pem')}${read('other-int.pem')}`, ca: read('ca.pem'), checkServerIdentity: () => undefined, keepAlive: false });
  const without = new Agent({ ca: read('ca.pem'), checkServerIdentity: () => undefined, keepAlive: false });
  try {
    assert.equal((await get(listener.origin, withChain)).subject, 'CN=Other Holder < CN=Other Issuing CA');
    assert.match((await get(listener.origin, without)).subject, /presented no certificate/);
  } finally {
    withChain.destroy();
    without.destroy();
    await listener.close();
  }
});
