import { CONSOLE_PATH } from '../../runtime/console.ts';
import { render } from '../layout/shell.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import { EVERY_ROLE } from '../roles.ts';
import { agreementPages } from './agreements.ts';
import { auditPages } from './audit.ts';
import { dashboardBody } from './dashboard.ts';
import { musterOf, type OperatorDeps } from './deps.ts';
import { identityPages } from './identities.ts';
import { listPages } from './lists.ts';
import { targetPages } from './targets.ts';

export type { OperatorDeps } from './deps.ts';

/** The operator pages of the console, in the order of the side navigation. */
export function operatorPages(deps: OperatorDeps): ConsoleRoute[] {
  return [
    consoleRoute({ method: 'get', path: CONSOLE_PATH, roles: EVERY_ROLE, nav: 'Dashboard', handler: async (c) => render(c, 'Dashboard', await dashboardBody(c, musterOf(deps))) }),
    ...identityPages(deps),
    ...targetPages(deps),
    ...auditPages(deps),
    ...agreementPages(deps),
    ...listPages(deps),
  ];
}
