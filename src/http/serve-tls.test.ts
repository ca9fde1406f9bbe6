// The main listener over TLS (server.tls) and behind proxies (server.trustedProxies): Strict-Transport-Security on
// what was served over TLS; X-Forwarded-For and -Proto believed from a trusted proxy only.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SubjectAlternativeNameExtension, X509CertificateGenerator } from '../pki/x509.ts';
import { pgliteFactory } from '../../test/support/stores.ts';
import { loadConfig } from '../config/load.ts';
import { isMusterError } from '../core/errors.ts';
import { type Muster, startMuster } from '../runtime/context.ts';
import { createMetrics } from '../runtime/metrics.ts';
import { mainListenerTls } from '../runtime/tls-server.ts';
import { createHttpApp } from './app.ts';
import { HSTS, type RunningServer, serveHttp } from './serve.ts';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

async function selfSigned(): Promise<{ cert: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const certificate = await X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a',
    name: 'CN=127.0.0.1',
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 86_400_000),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [new SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  return { cert: certificate.toString('pem'), key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n` };
}

function getTls(port: number, path: string, ca: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the main listener over TLS and behind trusted proxies', () => {
  let ctx: Muster;
  let dir: string;
  let pair: { cert: string; key: string };
  const servers: RunningServer[] = [];
  const serve = async (options: Partial<Parameters<typeof serveHttp>[1]> = {}) => {
    const server = await serveHttp(createHttpApp(ctx, [], { metrics: createMetrics(ctx) }), { host: '127.0.0.1', port: 0, ...options });
    servers.push(server);
    return server;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-tls-'));
    pair = await selfSigned();
    await writeFile(join(dir, 'cert.pem'), pair.cert);
    await writeFile(join(dir, 'key.pem'), pair.key);
    await writeFile(join(dir, 'other-key.pem'), (await selfSigned()).key);
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:' } }), { store: await pgliteFactory.open() });
  });
  after(async () => {
    for (const server of servers) await server.close();
    await ctx.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves over TLS with the configured certificate, and says Strict-Transport-Security', async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', server: { tls: { certificateFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } } } });
    const tls = await mainListenerTls(config);
    assert.ok(tls);
    const server = await serve({ tls });
    const answer = await getTls(server.port, '/health', pair.cert);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['strict-transport-security'], HSTS);
  });

  it('refuses a key that is not the certificate’s, naming server.tls.keyFile', async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', server: { tls: { certificateFile: join(dir, 'cert.pem'), keyFile: join(dir, 'other-key.pem') } } } });
    await assert.rejects(mainListenerTls(config), (error: unknown) => isMusterError(error, 'MUSTER_ERR_CONFIG') && /server\.tls\.keyFile/.test(JSON.stringify(error.details)));
  });

  it('says Strict-Transport-Security over plain HTTP only when a trusted proxy says the client used https', async () => {
    const direct = await serve();
    const proxied = await serve({ trustedProxies: ['127.0.0.0/8'] });
    const viaHttps = { 'x-forwarded-proto': 'https' };
    assert.equal((await fetch(`http://127.0.0.1:${direct.port}/health`, { headers: viaHttps })).headers.get('strict-transport-security'), null, 'an untrusted peer is not believed');
    assert.equal((await fetch(`http://127.0.0.1:${proxied.port}/health`)).headers.get('strict-transport-security'), null);
    assert.equal((await fetch(`http://127.0.0.1:${proxied.port}/health`, { headers: viaHttps })).headers.get('strict-transport-security'), HSTS);
  });

  it('believes X-Forwarded-For from a trusted proxy only: the client it names is no local caller of /metrics', async () => {
    const direct = await serve();
    const proxied = await serve({ trustedProxies: ['127.0.0.1/32'] });
    const forwarded = { 'x-forwarded-for': '203.0.113.9' };
    assert.equal((await fetch(`http://127.0.0.1:${direct.port}/metrics`, { headers: forwarded })).status, 200, 'from an untrusted peer the header is ignored');
    assert.equal((await fetch(`http://127.0.0.1:${proxied.port}/metrics`)).status, 200);
    const refused = await fetch(`http://127.0.0.1:${proxied.port}/metrics`, { headers: forwarded });
    assert.equal(refused.status, 403, 'the proxy speaks for 203.0.113.9, who is not on this machine');
    const spoofed = await fetch(`http://127.0.0.1:${proxied.port}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9, 127.0.0.1' } });
    assert.equal(spoofed.status, 403, 'the nearest untrusted hop is the client, whatever it prepends');
  });

  it('refuses a trusted proxy that is no address or range, naming the setting', () => {
    assert.throws(
      () => loadConfig({ env: {}, overrides: { dataDir: ':memory:', server: { trustedProxies: ['10.0.0.0/33', 'proxy.example'] } } }),
      (error: unknown) => isMusterError(error, 'MUSTER_ERR_CONFIG') && /server\.trustedProxies/.test(JSON.stringify(error.details)),
    );
  });
});
