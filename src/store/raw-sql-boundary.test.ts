import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * SQL text belongs in the store (src/store/) and in repositories (`*-repository.ts`), which build
 * their queries with Kysely on the generated schema types. The files below still call the raw port
 * (`query(sql)`, `exec(sql)`); the list may only shrink: a new raw call fails this test, and a file
 * that no longer makes one must be taken off the list.
 */
const STILL_RAW: readonly string[] = [
  'cli/commands/signals.ts',
  'federation/agreements.ts',
  'federation/federation-keys.ts',
  'federation/provisioning/agreement-push.ts',
  'federation/provisioning/job.ts',
  'federation/provisioning/records.ts',
  'federation/provisioning/targets.ts',
  'federation/provisioning/test-fixtures.ts',
  'federation/rp-subjects.ts',
  'federation/signing-keys.ts',
  'federation/subjects.ts',
  'lifecycle/access/dry-run.ts',
  'lifecycle/access/policies.ts',
  'lifecycle/access/recompute-all.ts',
  'lifecycle/access/subjects.ts',
  'lifecycle/access/training-expiry.ts',
  'lifecycle/access/write.ts',
  'lifecycle/admin.ts',
  'lifecycle/notify-binding.ts',
  'lifecycle/provision/admin.ts',
  'lifecycle/provision/ops.ts',
  'lifecycle/provision/tickets.ts',
  'lifecycle/reconcile/deleted.ts',
  'lifecycle/reconcile/lookup.ts',
  'lifecycle/reconcile/reports.ts',
  'lifecycle/reconcile/runs.ts',
  'lifecycle/reconcile/statistics.ts',
  'lifecycle/reconcile/writes.ts',
  'lifecycle/sponsor-left.ts',
  'lifecycle/test-fixtures.ts',
  'lifecycle/tickets/ask-again.ts',
  'lifecycle/tickets/escalate.ts',
  'lifecycle/tickets/service.ts',
  'pki/store/ca-rows.ts',
  'pki/store/ca-store.ts',
  'pki/store/crl-store.ts',
  'protocols/oidc/adapter.ts',
  'protocols/oidc/backchannel-logout.ts',
  'protocols/oidc/claims.ts',
  'protocols/oidc/interactions/certificate-match.ts',
  'protocols/oidc/interactions/consent-record.ts',
  'protocols/oidc/interactions/steps.ts',
  'protocols/oidc/interactions/webauthn-sign-in.ts',
  'protocols/oidc/keys.ts',
  'protocols/oidc/login-record.ts',
  'protocols/oidc/outbound-fetch.ts',
  'protocols/oidc/test-support.ts',
  'protocols/ssf/auth.ts',
  'protocols/ssf/poll.ts',
  'protocols/ssf/set-rows.ts',
  'protocols/ssf/signals/credentials.ts',
  'protocols/ssf/signals/handler.ts',
  'protocols/ssf/signals/identifier-change.ts',
  'protocols/ssf/signals/mapping.ts',
  'protocols/ssf/signals/purge.ts',
  'protocols/ssf/stream-rows.ts',
  'protocols/ssf/test-fixtures.ts',
  'runtime/demo-piv.ts',
  'runtime/demo-seed.ts',
  'runtime/federation.ts',
  'runtime/metrics-snapshot.ts',
  'sources/apply-identities.ts',
  'sources/correlate.ts',
  'sources/disputes.ts',
  'sources/events.ts',
  'sources/held-changes.ts',
  'sources/importer.ts',
  'sources/links.ts',
  'sources/runs.ts',
  'sources/superseded.ts',
];

const src = fileURLToPath(new URL('..', import.meta.url));
/** `x.query(`, `x.query<R>(`, `x.exec(`: the raw port. Not a RegExp's exec (a /literal/ or an UPPER_CASE pattern) nor Hono's `req.query(`. */
const RAW_CALL = /(?<![/\w])(\w+)\s*\.\s*(query|exec)\s*(?:<[^()]*?>)?\(/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function callsRawPort(text: string): boolean {
  for (const [, receiver = '', method] of text.matchAll(RAW_CALL)) {
    if (method === 'exec' && (/^[A-Z0-9_]+$/.test(receiver) || /pattern$/i.test(receiver))) continue;
    if (method === 'query' && receiver === 'req') continue;
    return true;
  }
  return false;
}

export function filesWithRawSql(): string[] {
  return sourceFiles(src)
    .map((file) => relative(src, file).split('\\').join('/'))
    .filter((file) => !file.startsWith('store/') && !file.endsWith('-repository.ts'))
    .filter((file) => callsRawPort(readFileSync(join(src, file), 'utf8')))
    .sort();
}

test('raw SQL stays in the store and the repositories: only the listed files still call query() or exec(), and the list only shrinks', () => {
  const found = filesWithRawSql();
  const added = found.filter((file) => !STILL_RAW.includes(file));
  const gone = STILL_RAW.filter((file) => !found.includes(file));
  assert.deepEqual(added, [], `new raw SQL outside the store: build these queries with Kysely (tx.db / store.db) in a repository`);
  assert.deepEqual(gone, [], `these files no longer call query() or exec(): take them off STILL_RAW in src/store/raw-sql-boundary.test.ts`);
});

test('the raw call finder tells the store port from a RegExp and from a request', () => {
  assert.ok(callsRawPort('await tx.query<{ id: string }>(`SELECT 1`)'));
  assert.ok(callsRawPort('await store.exec(sql)'));
  assert.ok(callsRawPort('await ctx.store.query(\n  "SELECT 1")'));
  assert.ok(!callsRawPort('const m = DATE_PATTERN.exec(value); /^a$/i.exec(s); r.pattern.exec(p); c.req.query("limit")'));
  assert.ok(!callsRawPort('await tx.db.selectFrom("jobs").selectAll().execute()'));
});
