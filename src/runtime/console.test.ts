import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pgliteFactory } from '../../test/support/stores.ts';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { CONSOLE_AGREEMENT_ID } from '../federation/console-client.ts';
import { agreementService } from './agreements.ts';
import { CONSOLE_PURGE_TASK, consoleUnavailable, startConsole } from './console.ts';
import { type Muster, startMuster } from './context.ts';

let ctx: Muster;

before(async () => {
  const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', federation: { oidc: { issuer: 'http://localhost:8080/oidc' } } } });
  ctx = await startMuster(config, { store: await pgliteFactory.open(), clock: new ManualClock('2026-03-02T09:00:00Z') });
});
after(() => ctx.close());

test('the console registers with the OP once, keeps its key, and saves its agreement again only when the issuer moves', async () => {
  const first = await startConsole(ctx, 'http://localhost:8080/oidc');
  assert.equal(first.redirectUri, 'http://localhost:8080/console/callback');
  assert.equal(first.postLogoutRedirectUri, 'http://localhost:8080/console/signed-out');
  const again = await startConsole(ctx, 'http://localhost:8080/oidc');
  assert.deepEqual(again.privateJwk, first.privateJwk, 'the key is made once');
  assert.equal((await agreementService(ctx).get(CONSOLE_AGREEMENT_ID)).version, 1);
  const moved = await startConsole(ctx, 'https://idp.agency.example/oidc');
  assert.equal(moved.redirectUri, 'https://idp.agency.example/console/callback');
  const agreement = await agreementService(ctx).get(CONSOLE_AGREEMENT_ID);
  assert.deepEqual([agreement.version, agreement.author, agreement.status], [2, 'muster', 'active']);
  assert.deepEqual(agreement.document.assurance.aal, { min: 'aal3', max: 'aal3' });
  assert.equal(agreement.document.relyingParties[0]?.jwks?.keys[0]?.d, undefined, 'only the public key is in the agreement');
  assert.equal(ctx.scheduler.tasks.filter((t) => t === CONSOLE_PURGE_TASK).length, 1);
});

test('the console needs an https issuer, or http on loopback', async () => {
  assert.equal(consoleUnavailable('https://idp.agency.example/oidc'), undefined);
  assert.equal(consoleUnavailable('http://127.0.0.1:8080/oidc'), undefined);
  assert.match(consoleUnavailable('http://10.0.0.5:8080/oidc') ?? '', /needs muster's issuer on https/);
  await assert.rejects(startConsole(ctx, 'http://10.0.0.5:8080/oidc'), /needs muster's issuer on https/);
});
