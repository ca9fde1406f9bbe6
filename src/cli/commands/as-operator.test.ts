import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { hrCsv, hrLine } from '../../../test/support/muster.ts';
import { describeEachStore, commandStoreEnv } from '../../../test/support/stores.ts';
import { openStore } from '../../store/open.ts';
import type { CliIo } from '../io.ts';
import { runCli } from '../main.ts';
import { cliOperatorToken } from '../test-operators.ts';
import { cardCommands } from './cards.ts';
import { importCommands } from './import.ts';

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const MISSING = '00000000-0000-4000-8000-0000000000ff';

describeEachStore('command-line writes act as the operator of MUSTER_TOKEN, with the roles of the matching route', (factory) => {
  let dir: string;
  let env: Record<string, string>;
  const where = () => ({ dataDir: join(dir, 'data'), env, file: join(dir, 'muster.json') });

  async function run(args: readonly string[], token: string | undefined): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new Collector();
    const stderr = new Collector();
    const io: CliIo = { stdout, stderr, env: token === undefined ? env : { ...env, MUSTER_TOKEN: token }, handleSignals: false };
    const code = await runCli(['--data-dir', join(dir, 'data'), '--config', join(dir, 'muster.json'), ...args], { io, groups: [importCommands, cardCommands] });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  async function audit(action: string): Promise<{ actor: string; target: string | null; data: Record<string, unknown> }[]> {
    const store = await openStore({ dataDir: join(dir, 'data'), databaseUrl: env.DATABASE_URL });
    try {
      return await store.query(`SELECT actor, target, data FROM audit_log WHERE action = $1 ORDER BY seq`, [action]);
    } finally {
      await store.close();
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-cli-operator-'));
    env = await commandStoreEnv(factory, join(dir, 'data'));
    await writeFile(join(dir, 'muster.json'), JSON.stringify({ workers: { enabled: false } }));
    await writeFile(join(dir, 'hr.csv'), hrCsv([hrLine('E1')]));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('refuses a write without MUSTER_TOKEN (audited auth.refused), and changes nothing', async () => {
    const none = await run(['import', 'hr', join(dir, 'hr.csv')], undefined);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error MUSTER_ERR_UNAUTHENTICATED: set MUSTER_TOKEN to an operator's token/);
    const [refused] = await audit('auth.refused');
    assert.deepEqual(refused?.data, { remoteAddress: null, method: 'CLI', path: 'muster import run' });
    assert.equal((await audit('identity.joiner')).length, 0);
  });

  it("refuses a token without one of the route's roles: 403 naming the route, audited auth.forbidden", async () => {
    const auditor = await cliOperatorToken(where(), ['auditor']);
    const res = await run(['import', 'hr', join(dir, 'hr.csv')], auditor);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^error MUSTER_ERR_FORBIDDEN: muster import run \(POST \/api\/imports\/\{source\}\) needs the role source-feed:hr or source-admin/);
    const [forbidden] = await audit('auth.forbidden');
    assert.equal(forbidden?.data.route, 'muster import run (POST /api/imports/{source})');
    assert.deepEqual(forbidden?.data.needed, ['source-feed:hr', 'source-admin']);
    const issuer = await run(['card', 'activate', MISSING, '--reason', 'x'], auditor);
    assert.match(issuer.stderr, /^error MUSTER_ERR_FORBIDDEN: muster card activate \(POST \/api\/cards\/\{id\}\/activate\) needs the role issuer/);
  });

  it("a source's feed imports its own source only, and the import is audited as the operator and its token", async () => {
    const feed = await cliOperatorToken(where(), ['source-feed:hr']);
    const other = await run(['import', 'npe', join(dir, 'hr.csv')], feed);
    assert.match(other.stderr, /^error MUSTER_ERR_FORBIDDEN: .*needs the role source-feed:npe or source-admin/);
    const res = await run(['import', 'hr', join(dir, 'hr.csv')], feed);
    assert.equal(res.code, 0, res.stderr);
    const admin = await cliOperatorToken(where(), ['source-admin']);
    const vetting = await run(['import', 'vetting', join(dir, 'hr.csv')], admin);
    assert.match(vetting.stderr, /^error MUSTER_ERR_FORBIDDEN: .*needs the role source-feed:vetting or adjudicator/);
    const [joiner] = await audit('import.applied');
    assert.match(joiner?.actor ?? '', /^operator:[0-9a-f-]{36}$/);
    assert.equal(typeof joiner?.data.token_id, 'string');
  });
});
