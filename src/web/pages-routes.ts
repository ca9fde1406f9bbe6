import { listActiveHolds } from '../lifecycle/holds.ts';
import { CONSOLE_PATH } from '../runtime/console.ts';
import type { Store } from '../store/store.ts';
import { operatorOf } from './env.ts';
import { render } from './layout/shell.ts';
import { cardholderHome, holdsBody, whoAmI } from './pages.ts';
import { type ConsoleRoute, consoleRoute, selfConsoleRoute } from './route.ts';

/**
 * The console's pages: the home (every signed-in person: the dashboard of an operator, the own pages of a cardholder),
 * and the holds list (the roles of `GET /api/identities/holds`, through the same service).
 */
export function pageRoutes(store: Store): Omit<ConsoleRoute, 'roles'>[] {
  return [
    selfConsoleRoute({
      method: 'get',
      path: CONSOLE_PATH,
      nav: 'Dashboard',
      handler: (c) => (operatorOf(c).kind === 'self' ? render(c, 'Your console', cardholderHome(operatorOf(c))) : render(c, 'Dashboard', whoAmI(operatorOf(c)))),
    }),
    consoleRoute({
      method: 'get',
      path: `${CONSOLE_PATH}/holds`,
      roles: ['security-officer', 'helpdesk', 'auditor'],
      nav: 'Holds',
      handler: async (c) => render(c, 'Holds', holdsBody(await listActiveHolds(store))),
    }),
  ];
}
