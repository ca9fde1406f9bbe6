import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { testOperator } from '../operators/test-operators.ts';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { type Muster, startMuster } from '../runtime/context.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { createHttpApp } from './app.ts';
import type { MusterApp } from './env.ts';

const MAX = 4096;
const SOMEONE = '00000000-0000-4000-8000-000000000001';

describeEachStore('request limits of the admin API', (factory) => {
  let ctx: Muster;
  let app: MusterApp;
  let token = '';
  const serverErrors: unknown[] = [];

  before(async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', server: { maxJsonBytes: MAX } } });
    ctx = await startMuster(config, { store: await factory.open(), clock: new ManualClock('2026-03-01T12:00:00.000Z') });
    ({ token } = await testOperator(ctx, ['security-officer', 'source-admin']));
    app = createHttpApp(ctx, [], { onServerError: (error) => serverErrors.push(error) });
  });
  after(() => ctx.close());

  const send = (path: string, init: RequestInit = {}) => app.request(path, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
  const postJson = (path: string, body: string) => send(path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; details: { field?: string }[] } }).error;

  it('a NUL character in a query parameter is a 400 naming the parameter, not a store failure', async () => {
    const res = await send('/api/identities?department=Fin%00ance');
    assert.equal(res.status, 400);
    const error = await errorOf(res);
    assert.equal(error.code, 'MUSTER_ERR_VALIDATION');
    assert.deepEqual(
      error.details.map((d) => d.field),
      ['query.department'],
    );
  });

  it('a NUL character in a path parameter is a 400 naming the path', async () => {
    const res = await send(`/api/identities/${SOMEONE}%00`);
    assert.equal(res.status, 400);
    assert.deepEqual(
      (await errorOf(res)).details.map((d) => d.field),
      ['(path)'],
    );
  });

  it('a NUL character in a JSON body is a 400 naming the field', async () => {
    const res = await postJson(`/api/identities/${SOMEONE}/holds`, JSON.stringify({ reason: 'referral\u0000 2026-1' }));
    assert.equal(res.status, 400);
    assert.deepEqual(
      (await errorOf(res)).details.map((d) => d.field),
      ['reason'],
    );
  });

  it('a JSON body over server.maxJsonBytes is refused with 413 before it is read whole', async () => {
    const res = await postJson(`/api/identities/${SOMEONE}/holds`, JSON.stringify({ reason: 'x'.repeat(MAX * 2) }));
    assert.equal(res.status, 413);
    assert.equal((await errorOf(res)).code, 'MUSTER_ERR_TOO_LARGE');
  });

  it('an import streams past the JSON limit under its own', async () => {
    const csv = `employee_id,given_name\n${'E1,Ada\n'.repeat(MAX / 4)}`;
    const res = await send('/api/imports/hr', { method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } });
    assert.notEqual(res.status, 413);
  });

  it('nothing reached the store as a failure', () => {
    assert.deepEqual(serverErrors, []);
  });
});
