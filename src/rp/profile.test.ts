import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as server from '../core/federation/profile.ts';
import * as rp from './profile.ts';

test("the RP's copy of the profile names equals the home IdP's", () => {
  assert.deepEqual(rp.PIV_CLAIMS, server.PIV_CLAIMS);
  assert.deepEqual(rp.CREDENTIAL_TYPES, server.CREDENTIAL_TYPES);
  assert.deepEqual(rp.AAL_VALUES, server.AAL_VALUES);
  assert.deepEqual(rp.FAL_VALUES, server.FAL_VALUES);
  assert.equal(rp.IAL_VALUE, server.IAL_VALUE);
  assert.deepEqual(rp.ACR, server.ACR);
  assert.deepEqual(rp.RELEASABLE_ATTRIBUTES, server.RELEASABLE_ATTRIBUTES);
  assert.deepEqual(rp.SIGNAL_EVENTS, server.SIGNAL_EVENTS);
  assert.equal(rp.SSF_VERIFICATION_EVENT, server.SSF_VERIFICATION_EVENT);
  assert.equal(rp.SSF_STREAM_UPDATED_EVENT, server.SSF_STREAM_UPDATED_EVENT);
  assert.deepEqual(rp.SIGNAL_ACTIONS, server.SIGNAL_ACTIONS);
});

test('ranks order the assurance levels', () => {
  assert.ok(rp.falRank('fal3') > rp.falRank('fal2'));
  assert.ok(rp.aalRank('aal3') > rp.aalRank('aal2'));
});
