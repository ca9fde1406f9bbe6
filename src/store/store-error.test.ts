import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMusterError } from '../core/errors.ts';
import { Availability } from './availability.ts';
import { storeError } from './store-error.ts';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

test('a lost or refused connection is MUSTER_ERR_STORE_UNAVAILABLE, a full disk MUSTER_ERR_STORE_FULL, anything else MUSTER_ERR_STORE', () => {
  assert.ok(isMusterError(storeError(pgError('57P01', 'terminating connection due to administrator command'), 'SELECT 1'), 'MUSTER_ERR_STORE_UNAVAILABLE'));
  assert.ok(isMusterError(storeError(pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'SELECT 1'), 'MUSTER_ERR_STORE_UNAVAILABLE'));
  assert.ok(isMusterError(storeError(new Error('Connection terminated unexpectedly'), 'SELECT 1'), 'MUSTER_ERR_STORE_UNAVAILABLE'));
  const full = storeError(pgError('53100', 'could not extend file "base/5/16385": No space left on device'), 'INSERT');
  assert.ok(isMusterError(full, 'MUSTER_ERR_STORE_FULL'));
  assert.equal(full.status, 507);
  assert.ok(isMusterError(storeError(pgError('42P01', 'relation "x" does not exist'), 'SELECT * FROM x'), 'MUSTER_ERR_STORE'));
});

test('availability tells its listeners once per change, not once per failed statement', () => {
  const availability = new Availability();
  const heard: boolean[] = [];
  availability.onChange((available) => heard.push(available));
  const lost = storeError(new Error('Connection terminated unexpectedly'), 'SELECT 1');
  availability.up();
  availability.failed(lost);
  availability.failed(lost);
  availability.failed(storeError(pgError('23505', 'duplicate key'), 'INSERT'));
  availability.up();
  availability.up();
  assert.deepEqual(heard, [false, true]);
  assert.equal(availability.available, true);
});
