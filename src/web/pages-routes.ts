import { listActiveHolds } from '../lifecycle/holds.ts';
import { CONSOLE_PATH } from '../runtime/console.ts';
import type { Store } from '../store/store.ts';
import { operatorOf } from './env.ts';
import { render } from './layout/shell.ts';
import { holdsBody, whoAmI } from './pages.ts';
import { type ConsoleRoute, consoleRoute } from './route.ts';
import { EVERY_ROLE } from './roles.ts';

/** The console's pages: the dashboard, and the holds list (the roles of `GET /api/identities/holds`, through the same service). */
export function pageRoutes(store: Store): ConsoleRoute[] {
  return [
    consoleRoute({ method: 'get', path: CONSOLE_PATH, roles: EVERY_ROLE, nav: 'Dashboard', handler: (c) => render(c, 'Dashboard', whoAmI(operatorOf(c))) }),
    consoleRoute({
      method: 'get',
      path: `${CONSOLE_PATH}/holds`,
      roles: ['security-officer', 'helpdesk', 'auditor'],
      nav: 'Holds',
      handler: async (c) => render(c, 'Holds', holdsBody(await listActiveHolds(store))),
    }),
  ];
}
