import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLocalCaller } from './remote.ts';

test('a local caller is a loopback address or in-process; anything else is remote', () => {
  for (const local of [null, '127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(isLocalCaller(local), true, String(local));
  for (const remote of ['10.0.0.5', '192.168.1.1', '::ffff:10.1.1.1', 'fe80::1', '1127.0.0.1']) assert.equal(isLocalCaller(remote), false, remote);
});
