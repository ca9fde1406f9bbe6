import { html } from 'hono/html';
import type { Clock } from '../../core/clock.ts';
import type { FixedRole } from '../../core/operators/roles.ts';
import { joinersMoversLeaversPerDay, runReport } from '../../governance/index.ts';
import { listActiveHolds } from '../../lifecycle/holds.ts';
import { queueStatus, type TargetQueue } from '../../lifecycle/provision/admin.ts';
import type { Muster } from '../../runtime/context.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import { pendingActions } from '../../runtime/pending-actions.ts';
import { listRuns } from '../../sources/runs.ts';
import type { ConsoleContext } from '../env.ts';
import { operatorOf } from '../env.ts';
import { barChart, type ChartData, lineChart } from '../layout/chart.ts';
import type { Html } from '../layout/html.ts';
import { whoAmI } from '../pages.ts';
import { API_ROLES, mayUse } from './deps.ts';

/**
 * The dashboard: what needs a person now (each a count and a link, shown to the roles of the API route it mirrors),
 * and charts from the store: joiners, movers and leavers per day, leaver latency per enforcement point, provisioning
 * lag per target and phishing-resistant coverage by user type.
 */

const DAY_MS = 86_400_000;
const JML_DAYS = 30;
const EXPIRING_DAYS = 14;

interface Attention {
  readonly id: string;
  readonly label: string;
  readonly roles: readonly FixedRole[];
  readonly href: string;
  readonly count: (muster: Muster, shared: Shared) => Promise<number>;
}

const ATTENTION: readonly Attention[] = [
  {
    id: 'held-imports',
    label: 'Imports held by the mass-change guard',
    roles: API_ROLES.imports,
    href: `${CONSOLE_PATH}/imports`,
    count: async (m) => (await listRuns(m.store, { limit: 500 })).filter((r) => r.status === 'held').length,
  },
  {
    id: 'open-disputes',
    label: 'Disputed correlations to resolve',
    roles: API_ROLES.disputes,
    href: `${CONSOLE_PATH}/disputes`,
    count: async (m) => (await m.disputes.list({ status: 'open', limit: 1000 })).length,
  },
  {
    id: 'dead-letters',
    label: 'Dead-lettered target operations',
    roles: API_ROLES.queues,
    href: `${CONSOLE_PATH}/targets#dead-letters`,
    count: async (_m, shared) => sum((await shared.queues()).map((q) => q.dead)),
  },
  {
    id: 'failing-targets',
    label: 'Targets failing (circuit open or retrying)',
    roles: API_ROLES.queues,
    href: `${CONSOLE_PATH}/targets`,
    count: async (_m, shared) => (await shared.queues()).filter((q) => q.failing > 0).length,
  },
  {
    id: 'pending-actions',
    label: 'Two-person actions awaiting confirmation',
    roles: API_ROLES.pendingActions,
    href: `${CONSOLE_PATH}/pending-actions`,
    count: async (m) => (await pendingActions(m).list('pending')).length,
  },
  {
    id: 'expiring-exceptions',
    label: `Credential exceptions ending within ${EXPIRING_DAYS} days`,
    roles: API_ROLES.exceptions,
    href: `${CONSOLE_PATH}/exceptions`,
    count: async (m) => {
      const until = m.clock.now().getTime() + EXPIRING_DAYS * DAY_MS;
      return (await (await m.credentials()).exceptions.list()).filter((e) => e.status === 'active' && new Date(e.expiresAt).getTime() <= until).length;
    },
  },
  { id: 'active-holds', label: 'Active holds', roles: API_ROLES.holds, href: `${CONSOLE_PATH}/holds`, count: async (m) => (await listActiveHolds(m.store)).length },
];

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** What several parts of the dashboard read, read once per request. */
interface Shared {
  queues(): Promise<TargetQueue[]>;
}

function shared(m: Muster): Shared {
  let queues: Promise<TargetQueue[]> | undefined;
  return { queues: () => (queues ??= queueStatus(m.store, m.accessTargets.names, m.clock.now())) };
}

async function attentionList(c: ConsoleContext, muster: Muster, reads: Shared): Promise<Html> {
  const items = ATTENTION.filter((a) => mayUse(c, a.roles));
  const counts = await Promise.all(items.map((a) => a.count(muster, reads)));
  const cards = items.map(
    (a, i) => html`<li class="usa-card tablet:grid-col-6 desktop:grid-col-4" id="${a.id}"><div class="usa-card__container"><div class="usa-card__body">
<p class="font-heading-2xl margin-y-1 text-bold"><span class="attention-count">${counts[i] ?? 0}</span></p>
<p class="margin-y-1"><a href="${a.href}">${a.label}</a></p>
</div></div></li>`,
  );
  const body = cards.length ? html`<ul class="usa-card-group" id="attention">${cards}</ul>` : html`<p id="attention">None of the lists a person works through is open to your roles.</p>`;
  return html`<section aria-labelledby="attention-heading">
<h2 id="attention-heading">Needs a person now</h2>
${body}
</section>`;
}

/** Every day from `since` to `today`, with the counts of the days that had any. */
function jmlSeries(days: Awaited<ReturnType<typeof joinersMoversLeaversPerDay>>, since: Date, clock: Clock): ChartData {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const categories: string[] = [];
  for (let t = since.getTime(); t <= clock.now().getTime(); t += DAY_MS) categories.push(new Date(t).toISOString().slice(0, 10));
  const of = (key: 'joiners' | 'movers' | 'leavers') => categories.map((d) => byDay.get(d)?.[key] ?? 0);
  return {
    id: 'chart-jml',
    title: `Joiners, movers and leavers per day (last ${JML_DAYS} days)`,
    categories: categories.map((d) => d.slice(5)),
    series: [
      { name: 'Joiners', values: of('joiners') },
      { name: 'Movers', values: of('movers') },
      { name: 'Leavers', values: of('leavers') },
    ],
    unit: 'people',
  };
}

async function reportCharts(muster: Muster): Promise<Html[]> {
  const since = new Date(Math.floor((muster.clock.now().getTime() - (JML_DAYS - 1) * DAY_MS) / DAY_MS) * DAY_MS);
  const [jml, latency, coverage] = await Promise.all([
    joinersMoversLeaversPerDay(muster.store, since),
    runReport(muster.store, muster.clock, 'leaver-latency', { since: `${JML_DAYS}d` }),
    runReport(muster.store, muster.clock, 'phishing-resistant-coverage'),
  ]);
  return [
    lineChart(jmlSeries(jml, since, muster.clock)),
    barChart({
      id: 'chart-leaver-latency',
      title: `Leaver latency per enforcement point (last ${JML_DAYS} days)`,
      categories: latency.rows.map((r) => String(r.point)),
      series: [
        { name: 'p50', values: latency.rows.map((r) => Number(r.p50_seconds)) },
        { name: 'p99', values: latency.rows.map((r) => Number(r.p99_seconds)) },
      ],
      unit: 'seconds',
    }),
    barChart({
      id: 'chart-coverage',
      title: 'Phishing-resistant coverage by user type',
      categories: coverage.rows.map((r) => String(r.user_type)),
      series: [
        { name: 'Phishing-resistant', values: coverage.rows.map((r) => Number(r.phishing_resistant)) },
        { name: 'None', values: coverage.rows.map((r) => Number(r.none)) },
      ],
      unit: 'active identities',
    }),
  ];
}

async function lagChart(reads: Shared): Promise<Html> {
  const rows = await reads.queues();
  return barChart({
    id: 'chart-provisioning-lag',
    title: 'Provisioning lag per target (oldest waiting operation)',
    categories: rows.map((q) => q.target),
    series: [{ name: 'Lag', values: rows.map((q) => Math.round(q.lagSeconds)) }],
    unit: 'seconds',
  });
}

export async function dashboardBody(c: ConsoleContext, muster: Muster): Promise<Html> {
  const reads = shared(muster);
  const charts: Html[] = [];
  if (mayUse(c, API_ROLES.reports)) charts.push(...(await reportCharts(muster)));
  if (mayUse(c, API_ROLES.queues)) charts.push(await lagChart(reads));
  const chartSection = charts.length
    ? html`<section aria-labelledby="charts-heading" class="margin-top-4"><h2 id="charts-heading">Trends</h2>${charts.map((chart) => html`<div class="margin-bottom-4">${chart}</div>`)}</section>`
    : '';
  return html`${whoAmI(operatorOf(c))}${await attentionList(c, muster, reads)}${chartSection}`;
}
