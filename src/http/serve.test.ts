import assert from 'node:assert/strict';
import { after, before, it, describe } from 'node:test';
import { pgliteFactory } from '../../test/support/stores.ts';
import { loadConfig } from '../config/load.ts';
import { isMusterError } from '../core/errors.ts';
import { type Muster, startMuster } from '../runtime/context.ts';
import { createHttpApp } from './app.ts';
import { type RunningServer, serveHttp } from './serve.ts';

describe('serveHttp', () => {
  let ctx: Muster;
  let server: RunningServer;

  before(async () => {
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:' } }), { store: await pgliteFactory.open() });
    server = await serveHttp(createHttpApp(ctx), { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server.close();
    await ctx.close();
  });

  it('serves on the bound port with the correlation id header', async () => {
    assert.ok(server.port > 0);
    const res = await fetch(`http://127.0.0.1:${server.port}/health`, { headers: { 'x-correlation-id': 'over-the-wire' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-correlation-id'), 'over-the-wire');
    assert.deepEqual(await res.json(), { status: 'ok', store: 'available' });
  });

  it('refuses a port in use with MUSTER_ERR_LISTEN', async () => {
    await assert.rejects(serveHttp(createHttpApp(ctx), { host: '127.0.0.1', port: server.port }), (error: unknown) => {
      assert.ok(isMusterError(error, 'MUSTER_ERR_LISTEN'));
      assert.match(error.message, /EADDRINUSE/);
      return true;
    });
  });
});
