import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { judgeAudit } from './dependency-audit.ts';

const root = join(import.meta.dirname, '..');

test('a high or critical advisory in a production dependency fails the audit, naming the package', () => {
  const report = { vulnerabilities: { lodash: { severity: 'high' }, minimist: { severity: 'critical' }, debug: { severity: 'low' } } };
  assert.deepEqual(judgeAudit(JSON.stringify(report), 1), { kind: 'advisories', packages: ['lodash (high)', 'minimist (critical)'] });
});

test('no advisory, or only low and moderate ones, passes', () => {
  assert.deepEqual(judgeAudit(JSON.stringify({ vulnerabilities: {} }), 0), { kind: 'clean' });
  assert.deepEqual(judgeAudit(JSON.stringify({ vulnerabilities: { debug: { severity: 'moderate' } } }), 0), { kind: 'clean' });
});

test('an unreachable registry is reported and does not fail the audit', () => {
  const offline = { error: { code: 'ENOTFOUND', summary: 'request to https://registry.npmjs.org/-/npm/v1/security/advisories/bulk failed' } };
  assert.equal(judgeAudit(JSON.stringify(offline), 1).kind, 'unreachable');
  assert.equal(judgeAudit('', 1).kind, 'unreachable');
});

test('CI runs the audit after npm ci; npm test does not', () => {
  const ci = readFileSync(join(root, '.ci/run'), 'utf8');
  assert.ok(ci.indexOf('tools/dependency-audit.ts') > ci.indexOf('npm ci'), 'the audit follows npm ci');
  assert.doesNotMatch(readFileSync(join(root, 'tools/run-tests.ts'), 'utf8'), /npm audit|dependency-audit/);
});
