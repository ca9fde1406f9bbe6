import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkAgreement } from '../../../core/federation/agreement.ts';
import { ACR, type Aal } from '../../../core/federation/profile.ts';
import type { LoginRecord } from '../login-record.ts';
import { requiredAal } from './assurance.ts';
import { effectiveMaxAge, LOGIN_REASONS, loginReasons, type LoginSituation } from './login-verdict.ts';
import { agreementDocument } from './test-fixtures.ts';

const SIGNED_IN = new Date('2026-03-02T09:00:00Z');
const MIN = 60_000;
const at = (ms: number) => new Date(SIGNED_IN.getTime() + ms);

function record(aal: Aal, lastActiveMs = 0, over: Partial<LoginRecord> = {}): LoginRecord {
  return {
    sessionUid: 's1',
    identityId: 'id-1',
    credentialId: 'c1',
    credentialType: aal === 'aal3' ? 'piv_card' : 'derived_non_pki',
    aal,
    amr: [],
    certThumbprint: null,
    authTime: SIGNED_IN,
    lastActiveAt: at(lastActiveMs),
    endedAt: null,
    ...over,
  };
}

function situation(r: LoginRecord | undefined, nowMs: number, over: Partial<LoginSituation> = {}): LoginSituation {
  return { accountId: 'id-1', record: r, identityActive: true, justSignedIn: false, maxAgeSeconds: undefined, requiredAal: 'aal2', now: at(nowMs), ...over };
}

const reasons = (s: LoginSituation) => [...loginReasons(s)];

describe("the login prompt's rules (SP 800-63B-4 reauthentication, max age, AAL)", () => {
  test('AAL3: idle 16 minutes needs a fresh sign-in; idle 14 does not', () => {
    assert.deepEqual(reasons(situation(record('aal3'), 16 * MIN)), [LOGIN_REASONS.reauthentication]);
    assert.deepEqual(reasons(situation(record('aal3'), 14 * MIN)), []);
  });

  test('AAL2: idle 50 minutes is fine; 61 minutes is not', () => {
    assert.deepEqual(reasons(situation(record('aal2'), 50 * MIN)), []);
    assert.deepEqual(reasons(situation(record('aal2'), 61 * MIN)), [LOGIN_REASONS.reauthentication]);
  });

  test('overall limits: AAL3 past 12 hours and AAL2 past 24 hours, however recently used', () => {
    assert.deepEqual(reasons(situation(record('aal3', 12 * 60 * MIN), 12 * 60 * MIN + 1000)), [LOGIN_REASONS.reauthentication]);
    assert.deepEqual(reasons(situation(record('aal2', 23 * 60 * MIN), 23 * 60 * MIN + 5 * MIN)), []);
    assert.deepEqual(reasons(situation(record('aal2', 24 * 60 * MIN), 24 * 60 * MIN + 1000)), [LOGIN_REASONS.reauthentication]);
  });

  test("max age: the smaller of the request's max_age and the agreement's; a sign-in made for this request passes", () => {
    const r = record('aal3', 5 * MIN);
    assert.deepEqual(reasons(situation(r, 6 * MIN, { maxAgeSeconds: effectiveMaxAge('300', undefined) })), [LOGIN_REASONS.maxAge]);
    assert.deepEqual(reasons(situation(r, 6 * MIN, { maxAgeSeconds: effectiveMaxAge(undefined, 600) })), []);
    assert.deepEqual(reasons(situation(r, 6 * MIN, { maxAgeSeconds: effectiveMaxAge(900, 300) })), [LOGIN_REASONS.maxAge]);
    assert.deepEqual(reasons(situation(r, 6 * MIN, { maxAgeSeconds: 0, justSignedIn: true })), []);
    assert.equal(effectiveMaxAge(undefined, undefined), undefined);
  });

  test("acr escalation: acr_values asking AAL3 of an AAL2 session needs a new sign-in; the agreement's minimum does too", () => {
    const doc = checkAgreement('a', agreementDocument());
    assert.equal(requiredAal(doc, ACR.aal3), 'aal3');
    assert.equal(requiredAal(doc, `${ACR.aal2} ${ACR.aal3}`), 'aal2', 'an RP that accepts either is satisfied by AAL2');
    assert.equal(requiredAal(doc, `${ACR.aal3} urn:other:acr`), 'aal2', 'values muster does not know are left to the OP');
    assert.equal(requiredAal(checkAgreement('a', agreementDocument({ assurance: { aal: { min: 'aal3', max: 'aal3' } } })), undefined), 'aal3');
    assert.deepEqual(reasons(situation(record('aal2'), MIN, { requiredAal: requiredAal(doc, ACR.aal3) })), [LOGIN_REASONS.aal]);
    assert.deepEqual(reasons(situation(record('aal3'), MIN, { requiredAal: requiredAal(doc, ACR.aal3) })), []);
  });

  test("no record, an ended one, another account's, or an inactive identity: sign in again", () => {
    assert.deepEqual(reasons(situation(undefined, MIN)), [LOGIN_REASONS.noLogin]);
    assert.deepEqual(reasons(situation(record('aal3', 0, { endedAt: at(MIN) }), MIN)), [LOGIN_REASONS.noLogin]);
    assert.deepEqual(reasons(situation(record('aal3', 0, { identityId: 'id-2' }), MIN)), [LOGIN_REASONS.noLogin]);
    assert.deepEqual(reasons(situation(record('aal3'), MIN, { identityActive: false })), [LOGIN_REASONS.identityInactive]);
    assert.deepEqual(reasons(situation(undefined, MIN, { accountId: undefined })), [], "no account: oidc-provider's own no_session check prompts");
  });
});
