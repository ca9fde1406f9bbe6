import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenAPIHono } from '@hono/zod-openapi';
import { MusterError } from '../core/errors.ts';
import { createLogger, errorFields } from '../runtime/log.ts';
import { correlation } from './correlation.ts';
import type { Env } from './env.ts';
import { errorHandler } from './errors.ts';
import { LOGGED_PATH_CHARS, LOGGED_USER_AGENT_CHARS, logServerError, requestLog } from './request-log.ts';

function logged(level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  const log = createLogger({ level, destination: { write: (s: string) => void lines.push(s) } });
  const app = new OpenAPIHono<Env>();
  app.use('*', correlation);
  app.use('*', requestLog(log));
  app.post('/things', (c) => c.json({ ok: true }, 201));
  let healthStatus: 200 | 503 = 200;
  app.get('/health', (c) => c.json({ status: healthStatus === 200 ? 'ok' : 'unavailable' }, healthStatus));
  app.get('/boom', () => {
    throw new Error('secret internals');
  });
  app.onError(errorHandler(logServerError(log)));
  return { app, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), storeDown: () => (healthStatus = 503) };
}

test('the request log writes one JSON line per request with its status and correlation id', async () => {
  const { app, lines } = logged();
  const res = await app.request('/things?secret=x', { method: 'POST', headers: { 'x-correlation-id': 'req-42' } });
  assert.equal(res.status, 201);
  const [line, ...rest] = lines();
  assert.equal(rest.length, 0);
  assert.deepEqual(
    { level: line?.level, msg: line?.msg, method: line?.method, path: line?.path, status: line?.status, correlationId: line?.correlationId },
    {
      level: 'info',
      msg: 'request',
      method: 'POST',
      path: '/things',
      status: 201,
      correlationId: 'req-42',
    },
  );
  assert.equal(typeof line?.durationMs, 'number');
  assert.match(String(line?.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
});

test('a failed request is logged at error with the stack, under the id the caller got', async () => {
  const { app, lines } = logged();
  const res = await app.request('/boom');
  assert.equal(res.status, 500);
  const id = res.headers.get('x-correlation-id');
  const [failure, request] = lines();
  assert.equal(failure?.msg, 'request failed');
  assert.equal(failure?.correlationId, id);
  assert.equal((failure?.error as { message: string } | undefined)?.message, 'secret internals');
  assert.deepEqual([request?.level, request?.status, request?.correlationId], ['error', 500, id]);
});

test('probes are logged at debug only', async () => {
  const quiet = logged('info');
  await quiet.app.request('/health');
  assert.equal(quiet.lines().length, 0);
  const verbose = logged('debug');
  await verbose.app.request('/health');
  assert.deepEqual(
    verbose.lines().map((l) => [l.level, l.path]),
    [['debug', '/health']],
  );
});

test('a /health answering 503 while the store is away stays at debug: the outage is logged once, not per probe', async () => {
  const quiet = logged('info');
  quiet.storeDown();
  for (let i = 0; i < 3; i++) assert.equal((await quiet.app.request('/health')).status, 503);
  assert.equal(quiet.lines().length, 0);
});

test('under MUSTER_TEST=1 the logger writes nothing', () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'trace', destination: { write: (s: string) => void lines.push(s) }, env: { MUSTER_TEST: '1' } });
  log.error('not written');
  assert.equal(lines.length, 0);
});

test('errors become a code and a message', () => {
  assert.deepEqual(errorFields(new MusterError('MUSTER_ERR_CONFLICT', 'taken')), { code: 'MUSTER_ERR_CONFLICT', message: 'taken' });
  assert.deepEqual(errorFields(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), { code: 'ECONNREFUSED', message: 'refused' });
  assert.deepEqual(errorFields('text'), { code: 'unknown', message: 'text' });
});

test('the request log cuts long paths and user agents short', async () => {
  const { app, lines } = logged();
  const res = await app.request(`/${'a'.repeat(12_000)}`, { headers: { 'user-agent': 'u'.repeat(5000) } });
  assert.equal(res.status, 404);
  const [line] = lines();
  assert.equal(String(line?.path).length, LOGGED_PATH_CHARS + 1);
  assert.ok(String(line?.path).endsWith('…'));
  assert.equal(String(line?.userAgent).length, LOGGED_USER_AGENT_CHARS + 1);
});
