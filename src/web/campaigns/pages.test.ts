import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Campaign } from '../../governance/index.ts';
import { campaignsPage, REVIEWERS_SHOWN, type ReviewerRow } from './pages.ts';

const CAMPAIGN: Campaign = {
  id: '00000000-0000-4000-8000-000000000001',
  name: 'Everyone',
  scope: 'target:portal',
  reviewers: 'manager',
  unanswered: 'revoke',
  status: 'open',
  dueAt: '2026-03-16T23:59:59.000Z',
  createdBy: 'operator:x',
  createdAt: '2026-03-02T09:00:00.000Z',
  closedAt: null,
};

const reviewer = (n: number, items: number, decided: number): ReviewerRow => ({ reviewer_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, items, decided, kept: decided, revoked: 0 });

test('a campaign lists the reviewers with the most left to decide, at most REVIEWERS_SHOWN, under the totals of all', async () => {
  // reviewer n has 10 items and has decided n % 10 of them; reviewer 200 has decided none of 20
  const progress = [...Array.from({ length: 120 }, (_, n) => reviewer(n, 10, n % 10)), reviewer(200, 20, 0)];
  const names = new Map([[reviewer(200, 0, 0).reviewer_id as string, { id: reviewer(200, 0, 0).reviewer_id as string, name: 'Ada Lovelace', employeeId: 'E200' }]]);
  const body = String(await campaignsPage([{ campaign: CAMPAIGN, progress }], names, false).body);
  const rows = [...body.matchAll(/<tr><th scope="row">([^<]*)<\/th>/g)].map((m) => m[1]);
  assert.equal(rows.length, REVIEWERS_SHOWN);
  assert.equal(rows[0], 'Ada Lovelace (E200)', 'the reviewer with the most left first, by name');
  const decidedOf = rows.slice(1).map((r) => Number(r?.slice(-3)) % 10);
  assert.deepEqual(decidedOf, [...Array(12).fill(0), ...Array(12).fill(1), ...Array(12).fill(2), ...Array(12).fill(3), 4], 'then by most left to decide');
  const decided = progress.reduce((sum, p) => sum + p.decided, 0);
  assert.match(body, new RegExp(`1,220 items, ${decided} decided \\(${decided} kept, 0 revoked\\); the 50 of 121 reviewers with the most left to decide:`));
});
