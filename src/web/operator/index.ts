import { CONSOLE_PATH } from '../../runtime/console.ts';
import { render } from '../layout/shell.ts';
import { operatorOf } from '../env.ts';
import { cardholderHome } from '../pages.ts';
import { type ConsoleRoute, selfConsoleRoute } from '../route.ts';
import { agreementPages } from './agreements.ts';
import { auditPages } from './audit.ts';
import { dashboardBody } from './dashboard.ts';
import { musterOf, type OperatorDeps } from './deps.ts';
import { identityPages } from './identities.ts';
import { listPages } from './lists.ts';
import { pendingRoutes } from '../pending/routes.ts';
import { targetPages } from './targets.ts';

export type { OperatorDeps } from './deps.ts';

/** The operator pages of the console, in the order of the side navigation. */
export function operatorPages(deps: OperatorDeps): Omit<ConsoleRoute, 'roles'>[] {
  return [
    selfConsoleRoute({
      method: 'get',
      path: CONSOLE_PATH,
      nav: 'Dashboard',
      // a cardholder's session (no role) gets their own home; an operator the dashboard of what needs a person
      handler: async (c) => (operatorOf(c).kind === 'self' ? render(c, 'Your console', cardholderHome(operatorOf(c))) : render(c, 'Dashboard', await dashboardBody(c, musterOf(deps)))),
    }),
    ...identityPages(deps),
    ...targetPages(deps),
    ...auditPages(deps),
    ...agreementPages(deps),
    ...pendingRoutes(deps),
    ...listPages(deps),
  ];
}
