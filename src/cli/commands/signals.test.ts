import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { decodeJwt } from 'jose';
import { describeEachStore, commandStoreEnv } from '../../../test/support/stores.ts';
import { loadConfig } from '../../config/load.ts';
import { SIGNAL_EVENTS } from '../../core/federation/profile.ts';
import { insertIdentity, knownTo, rpKey, saveAgreement } from '../../protocols/ssf/test-fixtures.ts';
import { startMuster } from '../../runtime/context.ts';
import type { CliIo } from '../io.ts';
import { cliOperatorToken } from '../test-operators.ts';
import { runCli } from '../main.ts';
import { signalCommands } from './signals.ts';

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const ISSUER = 'https://idp.agency.example/oidc';

describeEachStore('SETs signed by the command line name the configured OP issuer', (factory) => {
  let dir: string;
  let env: Record<string, string>;
  let identity = '';

  async function run(config: string, args: readonly string[], extraEnv: Record<string, string> = {}, signal?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new Collector();
    const stderr = new Collector();
    const io: CliIo = { stdout, stderr, env: { ...env, ...extraEnv }, handleSignals: false, ...(signal ? { signal } : {}) };
    const code = await runCli(['--data-dir', join(dir, 'data'), '--config', join(dir, config), ...args], {
      io,
      groups: [signalCommands],
      serve: { onListening: () => abort.abort() },
    });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }
  let abort = new AbortController();

  /** The store as the commands see it, opened for a look (PGlite holds its folder: one process at a time). */
  async function withStore<T>(fn: (ctx: Awaited<ReturnType<typeof startMuster>>) => Promise<T>): Promise<T> {
    const ctx = await startMuster(loadConfig({ env, file: join(dir, 'configured.json'), overrides: { dataDir: join(dir, 'data') } }));
    try {
      return await fn(ctx);
    } finally {
      await ctx.close();
    }
  }

  const sets = (ctx: Awaited<ReturnType<typeof startMuster>>) => ctx.store.query<{ set_jwt: string; event_type: string }>('SELECT set_jwt, event_type FROM ssf_events ORDER BY seq');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-signals-cli-'));
    env = await commandStoreEnv(factory, join(dir, 'data'));
    await writeFile(join(dir, 'configured.json'), JSON.stringify({ workers: { enabled: false }, server: { port: 18_080 }, federation: { oidc: { issuer: `${ISSUER}/` } } }));
    await writeFile(join(dir, 'default.json'), JSON.stringify({ workers: { enabled: false } }));
    env.MUSTER_TOKEN = await cliOperatorToken({ dataDir: join(dir, 'data'), env, file: join(dir, 'configured.json') }, ['federation-admin']);
    identity = await withStore(async (ctx) => {
      const rp = { clientId: 'rp-cli', key: await rpKey('cli-1') };
      await saveAgreement(ctx, 'cli', [rp], ['federated-identifier-changed', 'account-disabled']);
      const id = await insertIdentity(ctx.store, ctx.clock.now());
      await knownTo(ctx.store, id, rp.clientId, 'cli-sub', ctx.clock.now());
      return id;
    });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("change-identifier: the SET's iss and its subjects' iss are federation.oidc.issuer (its trailing / dropped), not a default port", async () => {
    const res = await run('configured.json', ['signals', 'change-identifier', identity, '--reason', 'compromised identifier', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const [set] = await withStore(sets);
    const claims = decodeJwt(set!.set_jwt);
    assert.equal(claims.iss, ISSUER);
    assert.equal((claims.sub_id as { iss: string }).iss, ISSUER);
    const event = (claims.events as Record<string, { new_sub_id: { iss: string } }>)[SIGNAL_EVENTS['federated-identifier-changed']];
    assert.equal(event?.new_sub_id.iss, ISSUER);
  });

  it('with server.port 0 and no issuer configured, a command that would sign a SET refuses (MUSTER_ERR_CONFIG) rather than name a made-up issuer', async () => {
    const before = (await withStore(sets)).length;
    const res = await run('default.json', ['signals', 'change-identifier', identity, '--reason', 'again'], { MUSTER_PORT: '0' });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^error MUSTER_ERR_CONFIG: federation\.oidc\.issuer is not set and server\.port is 0/);
    assert.equal((await withStore(sets)).length, before, 'no SET was signed');
  });

  it('serve refuses a --port that would move the issuer the configuration gives; MUSTER_ISSUER names it for every command', async () => {
    abort = new AbortController();
    const moved = await run('default.json', ['serve', '--port', '18081', '--mtls-port', '0'], {}, abort.signal);
    assert.equal(moved.code, 1, moved.stderr);
    assert.match(moved.stderr, /MUSTER_ERR_CONFIG: --port\/--host would make the OP issuer http:\/\/127\.0\.0\.1:18081\/oidc, but other muster commands name http:\/\/127\.0\.0\.1:8080\/oidc/);
    const named = await run('default.json', ['signals', 'change-identifier', identity, '--reason', 'named by the environment', '--json'], { MUSTER_ISSUER: 'https://sso.agency.example/piv' });
    assert.equal(named.code, 0, named.stderr);
    const last = (await withStore(sets)).at(-1)!;
    assert.equal(decodeJwt(last.set_jwt).iss, 'https://sso.agency.example/piv');
  });
});
