import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import type { Store } from '../store/store.ts';
import { consolePages } from './app.ts';
import { EVERY_ROLE } from './roles.ts';

/** The console pages' table in docs/operators.md, row by row: `GET /console/holds` → `security-officer, helpdesk, auditor`. */
async function documentedPages(): Promise<Map<string, string>> {
  const text = await readFile(new URL('../../docs/operators.md', import.meta.url), 'utf8');
  const table = text.slice(text.indexOf('| console page | roles |'));
  const rows = table.split('\n').slice(2);
  const end = rows.findIndex((row) => !row.startsWith('|'));
  return new Map(
    rows.slice(0, end).map((row) => {
      const [, page, roles] = row.split('|').map((cell) => cell.trim());
      return [String(page).replaceAll('`', ''), String(roles)];
    }),
  );
}

test('docs/operators.md lists every console page with the roles its definition names, and nothing else', async () => {
  const pages = consolePages({ store: {} as Store, clock: new ManualClock('2026-03-01T00:00:00Z'), agencyCode: '9700' });
  const documented = await documentedPages();
  const defined = new Map(
    pages.map((page) => {
      const roles = page.self ? 'every signed-in person' : page.roles === undefined ? 'open' : page.roles.length === EVERY_ROLE.length ? 'every role' : page.roles.join(', ');
      return [`${page.method} ${page.path}`, roles];
    }),
  );
  assert.deepEqual([...documented.keys()].sort(), [...defined.keys()].sort());
  for (const [page, roles] of defined) {
    const row = documented.get(page) ?? '';
    assert.ok(roles === 'open' ? row.startsWith('open') : row === roles, `${page}: defined ${roles}, documented ${row}`);
  }
});
