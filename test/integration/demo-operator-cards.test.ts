// `muster serve --demo` gives each person of its cast a software PIV card, issued through the separation of duties
// of any card: for each card, sponsor, registrar and issuer are three other operators. The cards are written as
// PKCS#12 and PEM files only their owner reads, and OpenSSL takes them for what they are.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config/load.ts';
import { authenticate } from '../../src/operators/tokens.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { DEMO_CARD_PASSWORD } from '../../src/runtime/demo-operator-cards.ts';
import { type DemoSeed, seedDemoAgency } from '../../src/runtime/demo-seed.ts';
import { describeEachStore } from '../support/stores.ts';

const run = promisify(execFile);

interface IssuedCard {
  holder: string;
  sponsor: string;
  registrar: string;
  issuer: string;
}

describeEachStore('the demo operators and their software PIV cards', (factory) => {
  let dir: string;
  let ctx: Muster;
  let seed: DemoSeed;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-demo-cards-'));
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: dir, workers: { enabled: false } } }), { store: await factory.open() });
    seed = await seedDemoAgency(ctx, 'cli:demo', 'demo-seed');
  });
  after(async () => {
    await ctx?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function operatorOf(name: string): Promise<string> {
    const principal = await authenticate(ctx.store, ctx.clock, (seed.tokens as Record<string, string>)[name] ?? '');
    assert.ok(principal, `the demo ${name} has a token`);
    return principal.identityId;
  }

  test('every person of the cast holds an active card whose sponsor, registrar and issuer are three other operators', async () => {
    const names = Object.keys(seed.cards ?? {});
    assert.deepEqual(names.sort(), ['auditor', 'federation-admin', 'federation-admin-2', 'issuer', 'issuer-2', 'operator-admin', 'registrar', 'registrar-2', 'security-officer', 'sponsor']);
    const cards = await ctx.store.query<IssuedCard & Record<string, unknown>>(
      `SELECT c.identity_id::text AS holder, c.details->'sponsor_approval'->>'approved_by' AS sponsor, c.details->'proofing'->>'by' AS registrar, a.actor AS issuer
         FROM credentials c JOIN audit_log a ON a.action = 'credential.issued' AND a.data->>'credential_id' = c.id::text
        WHERE c.type = 'piv_card' AND c.status = 'active'`,
    );
    const operators = new Set((await ctx.store.query<{ identity_id: string }>('SELECT DISTINCT identity_id::text AS identity_id FROM operator_roles')).map((r) => `operator:${r.identity_id}`));
    for (const name of names) {
      const holder = await operatorOf(name);
      const card = cards.find((c) => c.holder === holder);
      assert.ok(card, `the ${name} holds an active card`);
      const parties = [card.sponsor, card.registrar, card.issuer];
      assert.equal(new Set([`operator:${holder}`, ...parties]).size, 4, `${name}: sponsor, registrar and issuer are three people, none the holder (${parties.join(', ')})`);
      for (const party of parties) assert.ok(operators.has(party), `${name}: ${party} is an operator`);
    }
    const [refused] = await ctx.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action IN ('credential.refused', 'separation_of_duties.refused')`);
    assert.equal(refused?.n, 0);
  });

  test('each card is a PKCS#12 and a PEM file (key and certificate) only its owner reads, and its certificate chains to the demo CA', async () => {
    for (const files of Object.values(seed.cards ?? {})) {
      for (const file of [files.pivAuth, files.pivAuthPem, files.cardAuth]) assert.equal((await stat(file)).mode & 0o777, 0o600, `${file} is 0600`);
      const { stdout } = await run('openssl', ['pkcs12', '-in', files.pivAuth, '-passin', `pass:${DEMO_CARD_PASSWORD}`, '-nokeys', '-clcerts']);
      assert.match(stdout, /BEGIN CERTIFICATE/);
      const verified = await run('openssl', ['verify', '-CAfile', files.root, '-untrusted', files.issuing, files.pivAuthPem]);
      assert.match(verified.stdout, /: OK/);
      const key = await run('openssl', ['pkey', '-in', files.pivAuthPem, '-noout', '-text']);
      assert.match(key.stdout, /prime256v1|P-256/);
    }
  });
});
