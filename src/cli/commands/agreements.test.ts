import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { describeEachStore, commandStoreEnv } from '../../../test/support/stores.ts';
import { exampleAgreement, exampleRp } from '../../federation/agreements-fixture.ts';
import type { CliIo } from '../io.ts';
import { cliOperatorToken } from '../test-operators.ts';
import { runCli } from '../main.ts';
import { agreementCommands } from './agreements.ts';

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describeEachStore('muster federation agreement', (factory) => {
  let dir: string;
  let env: Record<string, string>;

  async function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string; json(): any }> {
    const stdout = new Collector();
    const stderr = new Collector();
    const io: CliIo = { stdout, stderr, env, handleSignals: false };
    const code = await runCli(['--data-dir', join(dir, 'data'), '--config', join(dir, 'muster.json'), ...args], { io, groups: [agreementCommands] });
    return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) };
  }

  async function file(name: string, content: unknown): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-agreement-cli-'));
    env = await commandStoreEnv(factory, join(dir, 'data'));
    await file('muster.json', { workers: { enabled: false } });
    env.MUSTER_TOKEN = await cliOperatorToken({ dataDir: join(dir, 'data'), env, file: join(dir, 'muster.json') }, ['federation-admin']);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('save refuses a bad document naming each field, and a file that is not JSON', async () => {
    const bad = await run(['federation', 'agreement', 'save', 'benefits', await file('bad.json', exampleAgreement({ relyingParties: [exampleRp({ fal: 'fal3' })] })), '--reason', 'try']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error MUSTER_ERR_AGREEMENT: /);
    assert.match(bad.stderr, /\n {2}relyingParties\.0\.boundAuthenticator: FAL3 needs boundAuthenticator/);
    const notJson = await run(['federation', 'agreement', 'save', 'benefits', await file('not.json', '{ name:'), '--reason', 'try']);
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /^error MUSTER_ERR_VALIDATION: <file> .*not\.json: not JSON/);
    const missing = await run(['federation', 'agreement', 'save', 'benefits', join(dir, 'absent.json'), '--reason', 'try']);
    assert.match(missing.stderr, /cannot read it: ENOENT/);
    const noReason = await run(['federation', 'agreement', 'save', 'benefits', await file('ok.json', exampleAgreement())]);
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /--reason/);
  });

  it('saves, versions, lists and shows an agreement', async () => {
    const saved = await run(['federation', 'agreement', 'save', 'benefits', await file('benefits.json', exampleAgreement()), '--reason', 'signed by both CIOs']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /^trust agreement benefits version 1 saved \(active\); relying parties: benefits-portal/);
    const second = await run(['federation', 'agreement', 'save', 'benefits', await file('benefits2.json', exampleAgreement({ description: 'v2' })), '--reason', 'clarified', '--json']);
    assert.equal(second.json().agreement.version, 2);
    assert.match(second.json().agreement.author, /^operator:[0-9a-f-]{36}$/);
    const list = await run(['federation', 'agreement', 'list']);
    assert.match(list.stdout, /^ID +VERSION +STATUS/);
    assert.match(list.stdout, /\nbenefits +2 +active +Benefits portal +1 /);
    const shown = await run(['federation', 'agreement', 'show', 'benefits', '--json']);
    assert.deepEqual(
      shown.json().history.map((v: any) => v.reason),
      ['clarified', 'signed by both CIOs'],
    );
    assert.equal(shown.json().agreement.document.description, 'v2');
    const unknown = await run(['federation', 'agreement', 'show', 'nowhere']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^error MUSTER_ERR_NOT_FOUND: no trust agreement 'nowhere'/);
  });

  it('suspends, activates and ends an agreement; a change it does not allow is refused', async () => {
    const suspended = await run(['federation', 'agreement', 'suspend', 'benefits', '--reason', 'security review']);
    assert.equal(suspended.code, 0, suspended.stderr);
    assert.match(suspended.stdout, /^trust agreement benefits version 3 is suspended/);
    const activated = await run(['federation', 'agreement', 'activate', 'benefits', '--reason', 'review passed', '--json']);
    assert.equal(activated.json().agreement.status, 'active');
    assert.equal((await run(['federation', 'agreement', 'end', 'benefits', '--reason', 'contract over'])).code, 0);
    const revive = await run(['federation', 'agreement', 'activate', 'benefits', '--reason', 'revive']);
    assert.equal(revive.code, 1);
    assert.match(revive.stderr, /^error MUSTER_ERR_CONFLICT: trust agreement 'benefits' is ended: it cannot become active/);
  });

  it('registration-token mints a token only under an agreement that allows dynamic registration, and audits it', async () => {
    const refused = await run(['federation', 'agreement', 'registration-token', 'benefits', '--reason', 'try']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error MUSTER_ERR_AGREEMENT: trust agreement 'benefits' is not active or does not allow dynamic registration/);
    const saved = await run(['federation', 'agreement', 'save', 'open-apps', await file('open.json', exampleAgreement({ dynamicRegistration: true, relyingParties: [] })), '--reason', 'dynamic apps']);
    assert.equal(saved.code, 0, saved.stderr);
    const minted = await run(['--json', 'federation', 'agreement', 'registration-token', 'open-apps', '--ttl', '600', '--reason', 'for the travel vendor']);
    assert.equal(minted.code, 0, minted.stderr);
    const { token, agreement } = minted.json() as { token: string; agreement: string };
    assert.equal(agreement, 'open-apps');
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const audit = await run(['--json', 'audit', 'list', '--limit', '5']);
    if (audit.code === 0) assert.ok(!audit.stdout.includes(token), 'the token itself is never audited');
  });
});
