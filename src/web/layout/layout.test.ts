import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { html } from 'hono/html';
import { barChart, lineChart } from './chart.ts';
import { isCurrent, navEntriesOf, navFor } from './nav.ts';
import { shellPage } from './shell.ts';
import { dataTable } from './table.ts';

const routes = [
  { method: 'GET', path: '/console', roles: ['auditor', 'issuer'] as const, nav: 'Dashboard' },
  { method: 'GET', path: '/console/audit', roles: ['auditor'] as const, nav: 'Audit' },
  { method: 'GET', path: '/console/identities', roles: ['helpdesk', 'auditor'] as const, nav: 'People' },
  { method: 'POST', path: '/console/holds', roles: ['auditor'] as const, nav: 'never: a POST' },
  { method: 'GET', path: '/console/assets/:pkg', nav: 'never: open' },
  { method: 'GET', path: '/console/quiet', roles: ['auditor'] as const },
];

describe('console layout', () => {
  it('navigates to the GET pages whose roles the operator holds, from the routes themselves', () => {
    const entries = navEntriesOf(routes);
    assert.deepEqual(
      entries.map((e) => e.label),
      ['Dashboard', 'Audit', 'People'],
    );
    assert.deepEqual(
      navFor(entries, ['issuer']).map((e) => e.path),
      ['/console'],
    );
    assert.deepEqual(
      navFor(entries, ['auditor']).map((e) => e.label),
      ['Dashboard', 'Audit', 'People'],
    );
    const people = entries[2]!;
    assert.ok(isCurrent(people, '/console/identities/123', entries));
    assert.ok(!isCurrent(entries[0]!, '/console/identities/123', entries));
    assert.ok(isCurrent(entries[0]!, '/console', entries));
  });

  it('renders the shell with a skip link to main, the operator, and only the entries given', async () => {
    const entries = navFor(navEntriesOf(routes), ['helpdesk']);
    const page = String(
      await shellPage({ title: 'People <x>', body: html`<p>hi</p>`, operator: { identityId: 'id-1', roles: ['helpdesk'], name: 'Ann <b>' }, nav: entries, path: '/console/identities' }),
    );
    assert.match(page, /<a class="usa-skipnav" href="#main-content">/);
    assert.match(page, /<main id="main-content"/);
    assert.match(page, /People &lt;x&gt;/);
    assert.match(page, /Ann &lt;b&gt;/);
    assert.match(page, /<a href="\/console\/identities" class="usa-current" aria-current="page">People<\/a>/);
    assert.doesNotMatch(page, /Audit/);
    assert.match(page, /<footer class="usa-footer/);
  });

  it('makes a table with a caption, column and row headers, escaping every cell', async () => {
    const table = String(
      await dataTable({
        id: 't',
        caption: 'Things',
        columns: [
          { label: 'Name', cell: (r: { n: string; c: number }) => r.n },
          { label: 'Count', numeric: true, cell: (r) => r.c },
        ],
        rows: [{ n: '<script>', c: 12345 }],
      }),
    );
    assert.match(table, /<caption>Things<\/caption>/);
    assert.match(table, /<th scope="col">Name<\/th>/);
    assert.match(table, /<th scope="row">&lt;script&gt;<\/th>/);
    assert.match(table, /12,345/);
    assert.equal(String(await dataTable({ id: 't', caption: 'Things', columns: [], rows: [], empty: 'None yet.' })), '<p class="usa-hint" id="t">None yet.</p>');
  });

  it('draws bar and line charts as SVG images with the table of their numbers', async () => {
    const data = {
      id: 'jml',
      title: 'Joiners per day',
      categories: ['03-01', '03-02'],
      series: [
        { name: 'joiners', values: [3, 5] },
        { name: 'leavers', values: [1, 0] },
      ],
    };
    const bars = String(await barChart(data));
    assert.equal(bars.match(/<rect class="bar"/g)?.length, 4);
    assert.match(bars, /role="img" aria-labelledby="jml-svg-title"/);
    assert.match(bars, /<table[^>]* id="jml-table"/);
    assert.match(bars, /<th scope="row">03-02<\/th><td class="data-numeric font-mono-xs">5<\/td>/);
    const line = String(await lineChart({ ...data, id: 'lat' }));
    assert.equal(line.match(/<polyline/g)?.length, 2);
    assert.equal(line.match(/<circle class="point"/g)?.length, 4);
    assert.match(String(await barChart({ ...data, categories: [], series: [] })), /No data yet/);
  });
});
