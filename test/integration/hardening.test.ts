// The eleven hardening findings, each replayed small on both stores and shown refused or bounded: (1) anonymous
// refusals growing the audit log; (2) slow and idle connections; (3) keys and the CA passphrase in the clear;
// (4) SSRF through push endpoints, JWKS fetch floods, redirects; (5) the Host header reflected into discovery; (6) no
// JSON body limit; (7) the mixed-redirect server error; (8) loose file modes, uploads kept after apply, the audit
// export's mode; (9) hostile names and emails; (10) a NUL byte; (11) test-only packages among production dependencies.
// The full floods and listener caps are test/integration/refusal-flood.test.ts and listener-limits.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { runCli } from '../../src/cli/main.ts';
import { loadConfig } from '../../src/config/load.ts';
import { outboundClient } from '../../src/connectors/outbound/client.ts';
import { PUBLIC_ONLY, agencyNetworkPolicy } from '../../src/connectors/outbound/guard.ts';
import { JwksCache } from '../../src/connectors/outbound/jwks-cache.ts';
import { countingServer } from '../../src/connectors/outbound/test-servers.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { MusterError } from '../../src/core/errors.ts';
import { escapeForDisplay } from '../../src/core/identity/text-checks.ts';
import { AgreementService } from '../../src/federation/agreements.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { type RunningServer, serveHttp } from '../../src/http/serve.ts';
import { testOperator } from '../../src/operators/test-operators.ts';
import { read, requestFor } from '../../src/protocols/ocsp/test-fixtures.ts';
import { cookieKeys } from '../../src/protocols/oidc/cookie-keys.ts';
import { maintainSigningKeys } from '../../src/protocols/oidc/keys.ts';
import { startTestOp, type TestOp } from '../../src/protocols/oidc/test-support.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { keyPassphrase } from '../../src/runtime/key-passphrase.ts';
import { type PkiServing, startPkiServing } from '../../src/runtime/pki-serving.ts';
import { hrCsv, hrLine, useHarness } from '../support/muster.ts';
import { dumpStore, privateKeysInClear } from '../support/store-dump.ts';
import { describeEachStore, freshSchemaUrl } from '../support/stores.ts';

const FLOOD = 10_000;
const MAX_JSON = 4096;
const SOMEONE = '00000000-0000-4000-8000-000000000001';
const root = join(import.meta.dirname, '..', '..');

/** `count` GETs on `CONCURRENCY` keep-alive connections; the statuses seen, with their counts. */
async function flood(url: string, count: number): Promise<Map<number, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const statuses = new Map<number, number>();
  let next = 0;
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${url}?n=${next++}`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  const worker = async () => {
    while (next < count) {
      const status = await one();
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  agent.destroy();
  return statuses;
}

/** The raw answer to a GET with a Host header of our choosing. */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function refusal(run: () => Promise<unknown>): Promise<MusterError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof MusterError, `expected a MusterError, got ${String(error)}`);
  return error;
}

describeEachStore('hardening: the findings replayed', (factory) => {
  const dataDir = join(tmpdir(), `muster-hardening-${process.pid}-${factory.name}`);
  const h = useHarness(factory, { dataDir, import: { massChangeShare: 0.5 } });
  let ctx: Muster;
  let pki: PkiServing;
  let server: RunningServer;
  let base = '';
  let op: TestOp;
  let token = '';

  before(async () => {
    const limits = { rate: { perAddress: { perSecond: 0 }, perToken: { perSecond: 0 } }, refusals: { writtenAtOnce: 2 } };
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:', server: { limits, maxJsonBytes: MAX_JSON } } }), { store: await factory.open() });
    pki = await startPkiServing(ctx);
    server = await serveHttp(createHttpApp(ctx), { host: '127.0.0.1', port: 0, before: [pki.listener], limits: ctx.config.server.limits });
    base = `http://127.0.0.1:${server.port}`;
    ({ token } = await testOperator(ctx, ['security-officer']));
    h.clock.set(new Date());
    op = await startTestOp(h);
  });
  after(async () => {
    await op?.close();
    await server?.close();
    await pki?.stop();
    await ctx?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test(`(1) ${FLOOD.toLocaleString('en-US')} anonymous refused requests add a few audit entries, not one each`, async () => {
    const count = async () =>
      Number(
        (
          await ctx.store.db
            .selectFrom('audit_log')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('action', '=', 'ssf.auth.refused')
            .executeTakeFirst()
        )?.n ?? 0,
      );
    const before = await count();
    assert.deepEqual([...(await flood(`${base}/ssf/streams`, FLOOD))], [[401, FLOOD]]);
    await ctx.refusals.flushAll();
    assert.equal((await count()) - before, 3, 'two one by one, then one aggregate counting the rest');
  });

  test('(2) idle connections leave /health and OCSP answering', async () => {
    const sockets: Socket[] = [];
    await Promise.all(
      Array.from(
        { length: 100 },
        () =>
          new Promise<void>((resolve) => {
            const socket = connect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.3' }, () => resolve());
            socket.on('error', () => resolve());
            sockets.push(socket);
          }),
      ),
    );
    try {
      assert.equal((await fetch(`${base}/health`)).status, 200);
      const { issuing } = await ctx.ca();
      const ocsp = await fetch(`${base}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: requestFor(issuing, '4a01') });
      assert.equal(ocsp.status, 200);
      assert.equal(read(new Uint8Array(await ocsp.arrayBuffer())).status, 0);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  test('(3) a dump of the store holds no private key in the clear; production refuses the CA passphrase inside dataDir', async () => {
    await ctx.ca();
    await maintainSigningKeys(ctx.store, ctx.keyVault, ctx.clock, { rotationDays: 90, maxTokenTtlSeconds: 600 });
    await cookieKeys(ctx.store, ctx.keyVault);
    const dump = await dumpStore(ctx.store);
    assert.ok(
      dump.some((line) => line.startsWith('federation_keys.')),
      'the OP signing keys are in the dump',
    );
    assert.deepEqual(privateKeysInClear(dump), []);
    assert.ok(!dump.some((line) => /"d"\s*:/.test(line)), 'no "d" member of a JWK');
    const folder = await mkdtemp(join(tmpdir(), 'muster-production-'));
    try {
      const production = loadConfig({ env: {}, overrides: { dataDir: folder, profile: 'production' } });
      await assert.rejects(keyPassphrase(production), /profile production refuses the key passphrase file .*inside dataDir/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('(4) push and webhook URLs on loopback or metadata addresses are refused before connecting; redirects are not followed; a JWKS flood fetches once', async () => {
    const strict = outboundClient({ policy: PUBLIC_ONLY });
    for (const url of [`${base}/api/identities`, 'http://169.254.169.254/latest/meta-data/']) {
      assert.equal((await refusal(() => strict(url, { method: 'POST', body: '{}' }))).code, 'MUSTER_ERR_OUTBOUND_REFUSED', url);
    }
    const target = await countingServer((req, res) => {
      if (req.url === '/redirect') res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
      else res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=5' }).end('{"keys":[]}');
    });
    try {
      const agency = outboundClient({ policy: agencyNetworkPolicy(['127.0.0.1']) });
      assert.match((await refusal(() => agency(`${target.url}/redirect`, { method: 'POST', body: '{}' }))).message, /answered 302/);
      assert.equal(target.requests.filter((r) => r.path === '/redirect').length, 1);
      const cache = new JwksCache({ clock: new ManualClock('2026-05-01T00:00:00Z'), floorSeconds: 60, ceilingSeconds: 3600 });
      await Promise.all(Array.from({ length: 200 }, () => cache.keySet(`${target.url}/jwks`, agency)));
      assert.equal(target.requests.filter((r) => r.path === '/jwks').length, 1);
    } finally {
      await target.close();
    }
  });

  test('(5) the Host header is not reflected into discovery', async () => {
    const answer = await getWithHost(`${op.issuer}/.well-known/openid-configuration`, 'evil.example');
    assert.equal(answer.status, 200);
    assert.doesNotMatch(answer.body, /evil\.example/);
    assert.equal((JSON.parse(answer.body) as { issuer: string }).issuer, op.issuer);
  });

  test('(6) a JSON body over server.maxJsonBytes is refused with 413 before it is read', async () => {
    const app = createHttpApp(ctx);
    const res = await app.request(`/api/identities/${SOMEONE}/holds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'x'.repeat(MAX_JSON * 4) }),
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'MUSTER_ERR_TOO_LARGE');
  });

  test('(7) a client with a loopback http and an https redirect URI is served, not answered 500', async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'mixed-key', alg: 'RS256', use: 'sig' };
    const redirects = ['http://127.0.0.1/mixed/cb', 'https://mixed.example/cb'];
    await new AgreementService(h).save(
      'hardening-mixed',
      {
        name: 'mixed redirects',
        population: { agencyCodes: ['9700'] },
        idp: { issuer: op.issuer, home: true },
        relyingParties: [{ clientId: 'rp-mixed', name: 'rp-mixed', redirectUris: redirects, jwks: { keys: [jwk] }, fal: 'fal2' }],
        attributes: [{ name: 'email', purpose: 'contact' }],
        assurance: { fal: { min: 'fal1', max: 'fal3' } },
      },
      'admin',
      'test',
    );
    for (const redirect of redirects) {
      const query = new URLSearchParams({
        client_id: 'rp-mixed',
        response_type: 'code',
        scope: 'openid',
        redirect_uri: redirect,
        nonce: 'nonce-0123456789abcdefghij',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGUSMBJ8kM',
        code_challenge_method: 'S256',
      });
      const answer = await fetch(`${op.issuer}/auth?${query}`, { redirect: 'manual' });
      assert.ok([302, 303].includes(answer.status), `${redirect}: ${answer.status} ${await answer.text()}`);
      assert.match(answer.headers.get('location') ?? '', /\/interaction\//);
    }
  });

  test('(8) kept uploads go once applied; the data folder and the audit export are private to muster', async () => {
    const day0 = await h.imports.run({ source: 'hr', file: await h.file('day0.csv', hrCsv(['E1', 'E2', 'E3', 'E4'].map((id) => hrLine(id)))), actor: 'alice' });
    assert.equal(day0.status, 'applied');
    const held = await h.imports.run({ source: 'hr', file: await h.file('day1.csv', hrCsv([hrLine('E1')])), actor: 'alice' });
    assert.equal(held.status, 'held');
    assert.equal((await stat(join(dataDir, 'imports'))).mode & 0o077, 0);
    assert.equal((await h.imports.confirm(held.id, 'carol')).status, 'applied');
    assert.deepEqual(await readdir(join(dataDir, 'imports')), [], 'nothing kept after apply');
    const cliDir = await mkdtemp(join(tmpdir(), 'muster-export-'));
    try {
      const env: Record<string, string> = factory.name === 'postgres' ? { DATABASE_URL: await freshSchemaUrl() } : {};
      const out = join(cliDir, 'audit.jsonl');
      const io = { stdout: new Collector(), stderr: new Collector(), env, handleSignals: false };
      const code = await runCli(['--data-dir', join(cliDir, 'data'), 'audit', 'export', '--out', out], { io });
      assert.equal(code, 0, io.stderr.text);
      assert.equal((await stat(out)).mode & 0o777, 0o600, 'the export is readable by muster only');
      for (const entry of await readdir(join(cliDir, 'data'), { withFileTypes: true, recursive: true })) {
        const mode = (await stat(join(entry.parentPath, entry.name))).mode;
        assert.equal(mode & 0o077, 0, `${entry.name} is private (${(mode & 0o777).toString(8)})`);
      }
    } finally {
      await rm(cliDir, { recursive: true, force: true });
    }
  });

  test('(9) hostile names and emails never reach certificates or tokens: refused on input, naming each field; the CLI escapes control characters', async () => {
    const before = await h.store.query<{ n: number }>('SELECT count(*)::int AS n FROM identities');
    const hostile = [
      hrLine('E51', { given_name: '<script>alert(1)</script>' }),
      hrLine('E52', { family_name: 'exe.\u202Egnp' }),
      hrLine('E53', { given_name: 'J\u043ehn' }),
      hrLine('E54', { email: 'given2.f\u0430mily2@demo.gov' }),
    ];
    const run = await h.imports.run({ source: 'hr', file: await h.file('hostile.csv', hrCsv(hostile)), actor: 'alice' });
    assert.equal(run.status, 'refused');
    assert.deepEqual(
      run.errors.map((e) => [e.line, e.field]),
      [
        [2, 'given_name'],
        [3, 'family_name'],
        [4, 'given_name'],
        [5, 'email'],
      ],
    );
    const after = await h.store.query<{ n: number }>('SELECT count(*)::int AS n FROM identities');
    assert.equal(after[0]?.n, before[0]?.n);
    const shown = escapeForDisplay('Ann\u001b[2J\u202Eeil');
    assert.doesNotMatch(shown, /[\u001b\u202e]/);
    assert.match(shown, /\\u\{1b\}.*\\u\{202e\}/);
  });

  test('(10) a NUL byte in a JSON body is a 400 naming the field', async () => {
    const res = await createHttpApp(ctx).request(`/api/identities/${SOMEONE}/holds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'referral\u0000 2026-1' }),
    });
    assert.equal(res.status, 400);
    const error = ((await res.json()) as { error: { code: string; details: { field?: string }[] } }).error;
    assert.equal(error.code, 'MUSTER_ERR_VALIDATION');
    assert.deepEqual(
      error.details.map((d) => d.field),
      ['reason'],
    );
  });

  test('(11) node-forge and playwright-core are no production dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    for (const name of ['node-forge', 'playwright-core']) {
      assert.equal(pkg.dependencies[name], undefined, `${name} in dependencies`);
      const locked = lock.packages[`node_modules/${name}`];
      assert.ok(locked === undefined || locked.dev === true, `${name} is installed for production`);
    }
  });
});
