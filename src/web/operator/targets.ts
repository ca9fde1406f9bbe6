import { html } from 'hono/html';
import { MusterError } from '../../core/errors.ts';
import { listOps, queueStatus, retryOp, type TargetQueue } from '../../lifecycle/provision/admin.ts';
import type { ProvisioningOp } from '../../lifecycle/provision/ops.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import type { Muster } from '../../runtime/context.ts';
import { type ConsoleContext, operatorOf } from '../env.ts';
import { barChart } from '../layout/chart.ts';
import { render } from '../layout/shell.ts';
import { dataTable } from '../layout/table.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import { API_ROLES, mayUse, musterOf, type OperatorDeps, when } from './deps.ts';
import { personPath } from './identity-sections.ts';
import { refusal } from './respond.ts';

/** Targets and their queues: depth, lag and failures per target, the dead letters, and retrying one (provisioning-admin). */

const TARGETS_PATH = `${CONSOLE_PATH}/targets`;

function queuesTable(rows: readonly TargetQueue[]) {
  return dataTable({
    id: 'queues',
    caption: 'Provisioning queue per target',
    columns: [
      { label: 'Target', cell: (q: TargetQueue) => q.target },
      { label: 'State', cell: (q) => (q.dead > 0 ? 'dead letters' : q.failing > 0 ? 'failing: retrying' : q.pending + q.running > 0 ? 'working' : 'idle') },
      { label: 'Pending', numeric: true, cell: (q) => q.pending },
      { label: 'Running', numeric: true, cell: (q) => q.running },
      { label: 'Failing', numeric: true, cell: (q) => q.failing },
      { label: 'Dead', numeric: true, cell: (q) => q.dead },
      { label: 'Done', numeric: true, cell: (q) => q.done },
      { label: 'Lag (s)', numeric: true, cell: (q) => Math.round(q.lagSeconds) },
    ],
    rows,
    empty: 'No targets are configured.',
  });
}

function deadTable(ops: readonly ProvisioningOp[], mayRetry: boolean) {
  return dataTable({
    id: 'dead-letters-table',
    caption: 'Dead-lettered operations, newest first',
    columns: [
      { label: 'Operation', cell: (op: ProvisioningOp) => `#${op.id}` },
      { label: 'Target', cell: (op) => op.target },
      { label: 'Identity', cell: (op) => html`<a href="${personPath(op.identityId)}">${op.identityId}</a>` },
      { label: 'Reason', cell: (op) => op.reason },
      { label: 'Attempts', numeric: true, cell: (op) => op.attempts },
      { label: 'Last error', cell: (op) => op.lastError },
      { label: 'Updated', cell: (op) => when(op.updatedAt) },
      ...(mayRetry
        ? [
            {
              label: 'Retry',
              cell: (op: ProvisioningOp) =>
                html`<form method="post" action="${TARGETS_PATH}/operations/${op.id}/retry"><button type="submit" class="usa-button usa-button--outline usa-button--small" aria-label="Retry operation ${op.id}">Retry</button></form>`,
            },
          ]
        : []),
    ],
    rows: ops,
    empty: 'No dead letters.',
  });
}

async function targetsPage(c: ConsoleContext, muster: Muster): Promise<Response> {
  const [queues, dead] = await Promise.all([queueStatus(muster.store, muster.accessTargets.names, muster.clock.now()), listOps(muster.store, { status: 'dead', limit: 200 })]);
  const lag = barChart({
    id: 'chart-target-lag',
    title: 'Lag per target',
    categories: queues.map((q) => q.target),
    series: [{ name: 'Lag', values: queues.map((q) => Math.round(q.lagSeconds)) }],
    unit: 'seconds',
  });
  return render(
    c,
    'Targets and queues',
    html`${queuesTable(queues)}<div class="margin-top-3">${lag}</div><section id="dead-letters" aria-labelledby="dead-heading" class="margin-top-4"><h2 id="dead-heading">Dead letters</h2>${deadTable(dead, mayUse(c, API_ROLES.retry))}</section>`,
  );
}

async function retry(c: ConsoleContext, muster: Muster): Promise<Response> {
  const id = Number(c.req.param('id'));
  try {
    if (!Number.isSafeInteger(id) || id < 1) throw new MusterError('MUSTER_ERR_NOT_FOUND', 'no such operation');
    await retryOp(muster.store, muster.audit, muster.clock, id, operatorOf(c).actor);
  } catch (error) {
    return refusal(c, error, { href: TARGETS_PATH, text: 'Back to targets' });
  }
  return c.redirect(`${TARGETS_PATH}#dead-letters`, 303);
}

export function targetPages(deps: OperatorDeps): ConsoleRoute[] {
  return [
    consoleRoute({ method: 'get', path: TARGETS_PATH, roles: API_ROLES.queues, nav: 'Targets and queues', handler: (c) => targetsPage(c, musterOf(deps)) }),
    consoleRoute({ method: 'post', path: `${TARGETS_PATH}/operations/:id/retry`, roles: API_ROLES.retry, handler: (c) => retry(c, musterOf(deps)) }),
  ];
}
