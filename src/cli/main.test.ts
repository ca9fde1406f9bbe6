import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import type { Command } from 'commander';
import { openStore } from '../store/open.ts';
import { describeEachStore, commandStoreEnv } from '../../test/support/stores.ts';
import type { CliIo } from './io.ts';
import { type CliOptions, type CommandGroup, runCli } from './main.ts';
import { encodeAttributes } from '../mur/attribute-codec.ts';
import { revocationUrls } from '../runtime/pki.ts';
import { pkiCommands } from './commands/pki.ts';
import { freePort } from '../../test/support/ports.ts';

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json(): any;
}

const MISSING = '00000000-0000-4000-8000-0000000000ff';

describeEachStore('muster cli', (factory) => {
  let dir: string;
  let env: Record<string, string>;

  async function run(args: readonly string[], options: Omit<CliOptions, 'io'> & { groups?: CommandGroup[]; signal?: AbortSignal } = {}, token?: string): Promise<Run> {
    const stdout = new Collector();
    const stderr = new Collector();
    const io: CliIo = { stdout, stderr, env: token === undefined ? env : { ...env, MUSTER_TOKEN: token }, handleSignals: false, ...(options.signal ? { signal: options.signal } : {}) };
    const code = await runCli(['--data-dir', join(dir, 'data'), ...args], { ...options, io });
    return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-cli-'));
    env = await commandStoreEnv(factory, join(dir, 'data'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  let tokenId: string;
  const BOSS = '00000000-0000-4000-8000-0000000000b1';
  const CLERK = '00000000-0000-4000-8000-0000000000b2';

  async function addPeople(ids: readonly string[]): Promise<void> {
    const store = await openStore({ dataDir: join(dir, 'data'), databaseUrl: env.DATABASE_URL });
    try {
      for (const id of ids) await store.query(`INSERT INTO identities (id, kind, status, last_updated, created_at, updated_at) VALUES ($1, 'person', 'active', now(), now(), now())`, [id]);
    } finally {
      await store.close();
    }
  }

  it('operator bootstrap makes the first operator and prints its token once; a second bootstrap is refused', async () => {
    await addPeople([BOSS, CLERK]);
    const res = await run(['operator', 'bootstrap', BOSS, '--roles', 'operator-admin', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const created = res.json();
    assert.match(created.token, /^mst_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual([created.identityId, created.roles], [BOSS, ['operator-admin']]);
    assert.match(res.stderr, /cannot show it again/);
    env.MUSTER_TOKEN = created.token;
    const again = await run(['operator', 'bootstrap', CLERK, '--roles', 'operator-admin']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error MUSTER_ERR_CONFLICT: operators exist already/);
  });

  it('operator grant and token create act as the operator of MUSTER_TOKEN, within its roles', async () => {
    const self = await run(['operator', 'grant', BOSS, '--role', 'auditor', '--reason', 'me too']);
    assert.equal(self.code, 1);
    assert.match(self.stderr, /MUSTER_ERR_FORBIDDEN: an operator cannot grant a role to itself/);
    const granted = await run(['operator', 'grant', CLERK, '--role', 'auditor', '--reason', 'reads the audit log']);
    assert.equal(granted.code, 0, granted.stderr);
    const res = await run(['token', 'create', '--for', CLERK, '--roles', 'auditor', '--expires', '30d', '--name', 'ci runner', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const created = res.json();
    assert.equal(created.name, 'ci runner');
    tokenId = created.id;
    const text = await run(['token', 'create', '--for', CLERK, '--roles', 'auditor', '--name', 'second']);
    assert.equal(text.code, 0);
    assert.match(text.stdout.split('\n')[0] ?? '', /^mst_/);
    const unheld = await run(['token', 'create', '--for', CLERK, '--roles', 'issuer']);
    assert.match(unheld.stderr, /MUSTER_ERR_VALIDATION: identity \S+ does not hold the role issuer/);
    const tooLong = await run(['token', 'create', '--for', CLERK, '--roles', 'auditor', '--expires', '9999d']);
    assert.match(tooLong.stderr, /beyond the most a token may live/);
    const asClerk = await run(['operator', 'grant', BOSS, '--role', 'auditor', '--reason', 'x'], {}, created.token);
    assert.match(asClerk.stderr, /MUSTER_ERR_FORBIDDEN: granting an operator role needs a token with the role operator-admin/);
  });

  it('refuses the operator commands without a usable MUSTER_TOKEN', async () => {
    const none = await run(['token', 'list'], {}, '');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error MUSTER_ERR_UNAUTHENTICATED: set MUSTER_TOKEN to an operator's token \(missing Authorization header\)/);
  });

  it('token list shows tokens without secrets; token revoke revokes', async () => {
    const list = await run(['token', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const { items } = list.json();
    assert.deepEqual(
      items.map((t: any) => t.name),
      ['bootstrap', 'ci runner', 'second'],
    );
    assert.deepEqual(items[1].roles, ['auditor']);
    assert.equal(items[1].identityId, CLERK);
    assert.ok(!list.stdout.includes('mst_') && !list.stdout.includes('hash'));
    const revoked = await run(['token', 'revoke', tokenId]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`token ${tokenId} \\(ci runner\\) revoked at`));
    const operators = await run(['operator', 'list', '--json']);
    assert.deepEqual(
      operators.json().items.map((o: any) => [o.identityId, o.roles.map((r: any) => r.role)]),
      [
        [BOSS, ['operator-admin']],
        [CLERK, ['auditor']],
      ],
    );
  });

  it('identity show of a missing id fails naming the code and the id', async () => {
    const res = await run(['identity', 'show', MISSING]);
    assert.equal(res.code, 1);
    assert.equal(res.stdout, '');
    const [first, detail] = res.stderr.trim().split('\n');
    assert.equal(first, `error MUSTER_ERR_NOT_FOUND: no identity with id ${MISSING}`);
    assert.match(detail ?? '', /^ {2}id: not found/);
    const json = await run(['identity', 'show', 'nope', '--json']);
    assert.equal(json.code, 1);
    assert.equal(json.json().error.code, 'MUSTER_ERR_VALIDATION');
  });

  it('audit verify --json reports a good log; audit export writes JSON Lines', async () => {
    const res = await run(['audit', 'verify', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const result = res.json();
    assert.equal(result.ok, true);
    assert.equal(result.entries, 8, 'bootstrap (role, operator, token), a grant, two tokens, a refusal and a revocation');
    const out = join(dir, 'audit.jsonl');
    const exported = await run(['audit', 'export', '--out', out, '--from', '7']);
    assert.equal(exported.code, 0, exported.stderr);
    const lines = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.event.action),
      ['auth.refused', 'token.revoked'],
    );
    assert.equal(lines[1].user.name, `operator:${BOSS}`, 'the revocation names the operator');
    assert.ok(lines[1].data.token_id, 'and the token it acted through');
    const toStdout = await run(['audit', 'export', '--to', '1']);
    assert.equal(toStdout.stdout.trim().split('\n').length, 1);
  });

  it('usage errors exit 2 in the one error format, as JSON with --json', async () => {
    const res = await run(['token', 'list', '--bogus']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /^error MUSTER_ERR_VALIDATION: unknown option '--bogus'\n/);
    const json = await run(['audit', 'export', '--from', 'x', '--json']);
    assert.equal(json.code, 1);
    assert.deepEqual(json.json().error.details[0], { field: 'from', value: 'x', message: 'not a non-negative integer' });
  });

  it('a bad configuration file fails with MUSTER_ERR_CONFIG naming the key', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ server: { port: 'eighty' } }));
    const res = await run(['--config', file, 'token', 'list']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^error MUSTER_ERR_CONFIG: /);
    assert.match(res.stderr, /\n {2}server\.port: /);
  });

  it('serve listens, runs its hooks, serves, and stops on the abort signal', async () => {
    const stop = new AbortController();
    const seen: string[] = [];
    let health: unknown;
    const res = await run(['serve', '--port', '0', '--mtls-port', '0', '--json', '--demo'], {
      signal: stop.signal,
      serve: {
        configure: (command: Command) => void command.option('--demo', 'seed a demo agency'),
        onReady: (ctx, info) => {
          seen.push(`ready demo=${String(info.options.demo)} store=${ctx.store.adapter}`);
          return () => void seen.push('stopped');
        },
        onListening: async (server) => {
          health = await (await fetch(`http://127.0.0.1:${server.port}/health`)).json();
          stop.abort();
        },
      },
    });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(health, { status: 'ok', store: 'available' });
    assert.deepEqual(seen, [`ready demo=true store=${factory.name}`, 'stopped']);
    assert.match(res.json().url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(res.stderr, /abort: stopping/);
  });

  it('serve --port moves the listener, not the CRL and OCSP URLs: they are what every other command writes', async () => {
    const stop = new AbortController();
    let served: unknown;
    const res = await run(['serve', '--port', '0', '--mtls-port', '0', '--json'], {
      signal: stop.signal,
      serve: {
        onReady: (ctx) => {
          served = revocationUrls(ctx.config);
        },
        onListening: () => stop.abort(),
      },
    });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(served, { caIssuers: 'http://127.0.0.1:8080/pki/issuing-ca.crt', crl: 'http://127.0.0.1:8080/pki/issuing-ca.crl', ocsp: 'http://127.0.0.1:8080/ocsp' });
    assert.match(res.stderr, /pki\.baseUrl is unset/);
    const show = await run(['ca', 'show', '--json'], { groups: [pkiCommands] });
    assert.equal(show.code, 0, show.stderr);
    assert.deepEqual(show.json().urls, served);
  });

  it('serve with pki.listen answers OCSP, the CA certificates and /health on a listener of its own, without the admin API', async () => {
    const port = await freePort();
    const file = join(dir, 'pki-listen.json');
    await writeFile(file, JSON.stringify({ pki: { listen: { port }, baseUrl: `http://127.0.0.1:${port}` } }));
    const stop = new AbortController();
    const seen: Record<string, number> = {};
    const res = await run(['--config', file, 'serve', '--port', '0', '--mtls-port', '0', '--json'], {
      signal: stop.signal,
      serve: {
        onListening: async (server) => {
          const pki = `http://127.0.0.1:${port}`;
          seen.health = (await fetch(`${pki}/health`)).status;
          seen.issuing = (await fetch(`${pki}/pki/issuing-ca.crt`)).status;
          seen.api = (await fetch(`${pki}/api/ca`)).status;
          const ocsp = await fetch(`${pki}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: new Uint8Array([0x30, 0x00]) });
          seen.ocsp = ocsp.status;
          seen.ocspType = ocsp.headers.get('content-type') === 'application/ocsp-response' ? 1 : 0;
          seen.apiOcsp = (await fetch(`http://127.0.0.1:${server.port}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: new Uint8Array([0x30, 0x00]) })).status;
          stop.abort();
        },
      },
    });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(seen, { health: 200, issuing: 200, api: 404, ocsp: 200, ocspType: 1, apiOcsp: 404 });
  });

  it('serve --ocsp-workers serves the PKI listener from worker threads: OCSP, the CA certificates and /health alike', async () => {
    const port = await freePort();
    const file = join(dir, 'pki-workers.json');
    await writeFile(file, JSON.stringify({ pki: { listen: { port }, baseUrl: `http://127.0.0.1:${port}` } }));
    const stop = new AbortController();
    const seen: Record<string, number> = {};
    const res = await run(['--config', file, 'serve', '--port', '0', '--mtls-port', '0', '--ocsp-workers', '2', '--json'], {
      signal: stop.signal,
      serve: {
        onListening: async () => {
          const pki = `http://127.0.0.1:${port}`;
          const close = { connection: 'close' };
          seen.health = (await fetch(`${pki}/health`, { headers: close })).status;
          seen.issuing = (await fetch(`${pki}/pki/issuing-ca.crt`, { headers: close })).status;
          seen.api = (await fetch(`${pki}/api/ca`, { headers: close })).status;
          const ocsp = await fetch(`${pki}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request', ...close }, body: new Uint8Array([0x30, 0x00]) });
          seen.ocsp = ocsp.status;
          seen.ocspType = ocsp.headers.get('content-type') === 'application/ocsp-response' ? 1 : 0;
          stop.abort();
        },
      },
    });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(seen, { health: 200, issuing: 200, api: 404, ocsp: 200, ocspType: 1 });
  });

  it('serve --ocsp-workers without pki.listen is refused naming it', async () => {
    const res = await run(['serve', '--port', '0', '--mtls-port', '0', '--ocsp-workers', '2']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^error MUSTER_ERR_CONFIG: --ocsp-workers needs the PKI listener of its own: set pki\.listen$/m);
  });

  it('extra command groups register beside the built-in ones', async () => {
    const hello: CommandGroup = (program, cli) => {
      program
        .command('hello')
        .argument('<who>')
        .action((who: string, _opts: unknown, command: Command) => cli.print(command, { hello: who }, () => `hello ${who}`));
    };
    const res = await run(['hello', 'world', '--json'], { groups: [hello] });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.json(), { hello: 'world' });
  });

  it('identity show and identity list read the MUR', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    const store = await openStore({ dataDir: join(dir, 'data'), databaseUrl: env.DATABASE_URL });
    try {
      const at = '2026-03-01T12:00:00.000Z';
      const attributes = { full_name: { v: 'Ada Lovelace', s: 'hr', r: 'E1', t: at }, email: { v: 'ada@agency.gov', s: 'hr', r: 'E1', t: at } };
      const stored = encodeAttributes(attributes);
      await store.query(
        `INSERT INTO identities (id, kind, status, attributes, provenance, flags, last_updated, created_at, updated_at) VALUES ($1, 'person', 'active', $2, $4, '["vip"]', $3, $3, $3)`,
        [id, JSON.stringify(stored.attributes), at, JSON.stringify(stored.provenance)],
      );
      await store.query(`INSERT INTO status_history (identity_id, from_status, to_status, reason, source, at) VALUES ($1, 'pending', 'active', 'hired', 'hr', $2)`, [id, at]);
    } finally {
      await store.close();
    }
    const show = await run(['identity', 'show', id]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`^identity ${id}\n  kind person, status active`));
    assert.match(show.stdout, /\n {2}email +ada@agency\.gov +hr +E1 +2026-03-01T12:00:00\.000Z\n/);
    assert.match(show.stdout, /status history:\n {2}2026-03-01T12:00:00\.000Z pending -> active by hr: hired/);
    assert.match(show.stdout, /flags vip/);
    const list = await run(['identity', 'list', '-q', 'ADA', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      list.json().items.map((i: any) => i.fullName),
      ['Ada Lovelace'],
    );
  });

  it('operator grant of security-officer waits for a second operator-admin: muster pending confirm, refused to the proposer and the grantee', async () => {
    const [second, officer] = ['00000000-0000-4000-8000-0000000000b3', '00000000-0000-4000-8000-0000000000b4'];
    await addPeople([second, officer]);
    assert.equal((await run(['operator', 'grant', second, '--role', 'operator-admin', '--reason', 'second admin'])).code, 0);
    const secondToken = (await run(['token', 'create', '--for', second, '--roles', 'operator-admin', '--json'])).json().token;
    const proposed = await run(['operator', 'grant', officer, '--role', 'security-officer', '--reason', 'new ISSO', '--json']);
    assert.equal(proposed.code, 0, proposed.stderr);
    const { pendingAction, granted } = proposed.json();
    assert.deepEqual([granted, pendingAction.status, pendingAction.requiredRole], [false, 'pending', 'operator-admin']);
    const listed = await run(['pending', 'list', '--status', 'pending', '--json']);
    assert.ok(listed.json().items.some((a: any) => a.id === pendingAction.id));
    const own = await run(['pending', 'confirm', pendingAction.id, '--reason', 'mine']);
    assert.match(own.stderr, /MUSTER_ERR_SEPARATION_OF_DUTIES/);
    const confirmed = await run(['pending', 'confirm', pendingAction.id, '--reason', 'checked the appointment letter', '--json'], {}, secondToken);
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.equal(confirmed.json().pendingAction.status, 'confirmed');
    const operators = await run(['operator', 'list', '--json']);
    assert.ok(JSON.stringify(operators.json()).includes('security-officer'), 'the role is held once confirmed');
  });

  it('audit verify exits 1 naming the first bad entry of a tampered log', async () => {
    const store = await openStore({ dataDir: join(dir, 'data'), databaseUrl: env.DATABASE_URL });
    try {
      await store.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      await store.query(`UPDATE audit_log SET actor = 'someone else' WHERE seq = 2`);
    } finally {
      await store.close();
    }
    const res = await run(['audit', 'verify']);
    assert.equal(res.code, 1);
    const lines = res.stderr.split('\n');
    const at = lines.findIndex((l) => l.startsWith('error '));
    assert.match(lines[at] ?? '', /^error MUSTER_ERR_AUDIT_CHAIN: the audit log fails verification: entry 2: /);
    assert.equal(lines[at + 1], '  seq: the first bad entry (value: "2")');
    const json = await run(['audit', 'verify', '--json']);
    assert.equal(json.code, 1);
    assert.equal(json.json().error.details[0].value, '2');
  });
});
