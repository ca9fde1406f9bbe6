import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMusterError } from '../errors.ts';
import type { IdentityStatus } from '../identity/status.ts';
import { type CurrentAccess, diffAccess } from './diff.ts';
import { planAccess } from './evaluate.ts';
import { type Policy, checkPolicy } from './policy.ts';
import type { AccessSubject } from './subject.ts';

const TARGETS = [
  { name: 'ldap', accountKey: ['employee_id'] },
  { name: 'scim', accountKey: ['email', 'identity_id'] },
];
const TODAY = '2026-11-23';

function policy(name: string, document: unknown): Policy {
  return { name, version: 1, document: checkPolicy(name, document, ['ldap', 'scim']) };
}

const POLICIES = [
  policy('everyone', {
    kind: 'birthright',
    description: 'every person has a directory account',
    when: [{ attribute: 'kind', in: ['person'] }],
    grants: [{ target: 'ldap', groups: [{ name: 'staff' }] }],
  }),
  policy('it', {
    kind: 'birthright',
    description: 'IT staff',
    when: [
      { attribute: 'department', in: ['IT'] },
      { attribute: 'trust.eligibility', in: ['favorable'] },
    ],
    grants: [{ target: 'ldap', groups: [{ name: 'it-admins', privileged: true }, { name: 'it' }] }, { target: 'scim' }],
  }),
  policy('training', {
    kind: 'condition',
    description: 'no privileges without cyber awareness',
    when: [{ attribute: 'behave:Cyber Awareness', in: ['expired', 'missing', 'overdue'] }],
    suspend: { privileged: true },
  }),
];

function subject(overrides: Partial<AccessSubject> = {}, attributes: Record<string, string> = {}): AccessSubject {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    kind: 'person',
    status: 'active',
    attributes: { employee_id: 'E1', full_name: 'Pat Lee', email: 'pat@agency.gov', department: 'IT', ...attributes },
    trust: { eligibility: 'favorable', status: 'current' },
    behave: { 'Cyber Awareness': { status: 'complete', expires: '2027-01-01' } },
    ...overrides,
  };
}

const NONE: CurrentAccess = { accounts: [], entitlements: [] };

function currentOf(s: AccessSubject, status?: IdentityStatus): CurrentAccess {
  const plan = planAccess(status ? { ...s, status } : s, POLICIES, TARGETS, TODAY);
  return {
    accounts: plan.accounts.map((a) => ({ target: a.target, key: a.key, status: a.state, fields: a.fields })),
    entitlements: plan.entitlements.map((e) => ({ target: e.target, group: e.group, privileged: e.privileged, status: e.status, policies: e.policies })),
  };
}

describe('access policies', () => {
  it('a joiner gets birthright accounts and entitlements, each with the policies that justify it', () => {
    const change = diffAccess(NONE, planAccess(subject(), POLICIES, TARGETS, TODAY), 'identity.joiner');
    assert.deepEqual(
      change.accounts.map((a) => `${a.action} ${a.target} ${a.key}`),
      ['create ldap E1', 'create scim pat@agency.gov'],
    );
    assert.deepEqual(
      change.granted.map((g) => `${g.target}/${g.group}${g.privileged ? '*' : ''} ${g.policies.join('+')}`),
      ['ldap/it it', 'ldap/it-admins* it', 'ldap/staff everyone'],
    );
    assert.deepEqual(change.targets, ['ldap', 'scim']);
  });

  it('a mover loses what the new attributes no longer justify, with the reason', () => {
    const before = currentOf(subject());
    const change = diffAccess(before, planAccess(subject({}, { department: 'Finance' }), POLICIES, TARGETS, TODAY), 'identity.mover');
    assert.deepEqual(change.removed.map((r) => r.group).sort(), ['it', 'it-admins']);
    assert.match(change.removed[0]?.reason ?? '', /identity\.mover: no longer justified by it/);
    assert.deepEqual(
      change.accounts.map((a) => `${a.action} ${a.target}`),
      ['update ldap', 'disable scim'],
    );
    assert.deepEqual(change.granted, []);
  });

  it('a new account key renames the account: a rename alone, or with the change of state or fields', () => {
    const before = currentOf(subject());
    const renumbered = diffAccess(before, planAccess(subject({}, { employee_id: 'E9' }), POLICIES, TARGETS, TODAY), 'identity.updated');
    assert.deepEqual(
      renumbered.accounts.map((a) => `${a.action} ${a.target} ${a.previousKey}>${a.key}`),
      ['rename ldap E1>E9'],
    );
    assert.deepEqual(renumbered.targets, ['ldap']);
    const rehired = diffAccess(currentOf(subject(), 'terminated'), planAccess(subject({}, { employee_id: 'E9', email: 'pat.lee@agency.gov' }), POLICIES, TARGETS, TODAY), 'identity.rehire');
    assert.deepEqual(
      rehired.accounts.map((a) => `${a.action} ${a.target} ${a.previousKey ?? ''}>${a.key}`),
      ['create ldap >E9', 'create scim >pat.lee@agency.gov'],
    );
    const moved = diffAccess(before, planAccess(subject({}, { email: 'pat.lee@agency.gov' }), POLICIES, TARGETS, TODAY), 'identity.updated');
    assert.deepEqual(
      moved.accounts.map((a) => `${a.action} ${a.target} ${a.previousKey ?? ''}>${a.key} ${a.changedFields.join(',')}`),
      ['update ldap >E1 email', 'update scim pat@agency.gov>pat.lee@agency.gov email'],
    );
  });

  it('expired or missing training suspends privileged entitlements only, and completing it resumes them', () => {
    const expired = subject({ behave: { 'Cyber Awareness': { status: 'complete', expires: '2026-01-01' } } });
    const change = diffAccess(currentOf(subject()), planAccess(expired, POLICIES, TARGETS, TODAY), 'behave.changed');
    assert.deepEqual(
      change.suspended.map((s) => s.group),
      ['it-admins'],
    );
    assert.deepEqual(change.accounts, []);
    const missing = planAccess(subject({ behave: {} }), POLICIES, TARGETS, TODAY);
    assert.deepEqual(
      missing.entitlements.filter((e) => e.status === 'suspended').map((e) => e.suspendedBy),
      [['training']],
    );
    const back = diffAccess(currentOf(expired), planAccess(subject(), POLICIES, TARGETS, TODAY), 'behave.changed');
    assert.deepEqual(
      back.resumed.map((s) => s.group),
      ['it-admins'],
    );
  });

  it('leave disables accounts and keeps entitlements; return enables them', () => {
    const leave = diffAccess(currentOf(subject()), planAccess(subject({ status: 'leave' }), POLICIES, TARGETS, TODAY), 'identity.leave');
    assert.deepEqual(
      leave.accounts.map((a) => a.action),
      ['disable', 'disable'],
    );
    assert.deepEqual([...leave.removed, ...leave.granted], []);
    const back = diffAccess(currentOf(subject(), 'leave'), planAccess(subject(), POLICIES, TARGETS, TODAY), 'identity.return');
    assert.deepEqual(
      back.accounts.map((a) => a.action),
      ['enable', 'enable'],
    );
  });

  it('a leaver has every account disabled and every entitlement removed; nothing is created', () => {
    const change = diffAccess(currentOf(subject()), planAccess(subject({ status: 'terminated' }), POLICIES, TARGETS, TODAY), 'identity.leaver');
    assert.deepEqual(
      change.accounts.map((a) => `${a.action} ${a.target}`),
      ['disable ldap', 'disable scim'],
    );
    assert.equal(change.removed.length, 3);
    assert.deepEqual(diffAccess(NONE, planAccess(subject({ status: 'terminated' }), POLICIES, TARGETS, TODAY), 'x').targets, []);
  });

  it('a target with no key attribute for the identity gets no account', () => {
    const plan = planAccess(subject({}, { employee_id: '' }), POLICIES, TARGETS, TODAY);
    assert.deepEqual(
      plan.accounts.map((a) => a.target),
      ['scim'],
    );
  });

  it('refuses a bad document, naming every problem', () => {
    assert.throws(
      () => checkPolicy('Bad Name', { kind: 'birthright', description: '', when: [{ attribute: 'shoe_size', in: ['9'] }], grants: [{ target: 'crm' }] }, ['ldap']),
      (e: unknown) => {
        assert.ok(isMusterError(e, 'MUSTER_ERR_POLICY'));
        const fields = e.details.map((d) => d.field);
        for (const f of ['name', 'description', 'when.0.attribute']) assert.ok(fields.includes(f), `${f} in ${fields.join(',')}`);
        return true;
      },
    );
    assert.throws(() => checkPolicy('x', { kind: 'birthright', description: 'd', grants: [{ target: 'crm' }] }, ['ldap']), /grants\.0\.target: no target 'crm'/);
    assert.throws(() => checkPolicy('x', { kind: 'condition', description: 'd', when: [{ attribute: 'kind', in: ['person'] }], suspend: {} }, ['ldap']), /name what to suspend/);
    assert.throws(
      () => checkPolicy('x', { kind: 'condition', description: 'd', when: [{ attribute: 'kind', in: ['a'], notIn: ['b'] }], suspend: { privileged: true } }, []),
      /exactly one of in, notIn/,
    );
  });
});
