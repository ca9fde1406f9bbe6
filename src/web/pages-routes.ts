import { listActiveHolds } from '../lifecycle/holds.ts';
import { CONSOLE_PATH } from '../runtime/console.ts';
import type { Store } from '../store/store.ts';
import { operatorOf } from './env.ts';
import { holdsPage, homePage } from './pages.ts';
import { type ConsoleRoute, consoleRoute, selfConsoleRoute } from './route.ts';

/** The console's pages so far: who am I (every signed-in person), and the holds list (the roles of `GET /api/identities/holds`, through the same service). */
export function pageRoutes(store: Store): Omit<ConsoleRoute, 'roles'>[] {
  return [
    selfConsoleRoute({ method: 'get', path: CONSOLE_PATH, handler: (c) => c.html(homePage(operatorOf(c))) }),
    consoleRoute({
      method: 'get',
      path: `${CONSOLE_PATH}/holds`,
      roles: ['security-officer', 'helpdesk', 'auditor'],
      handler: async (c) => c.html(holdsPage(operatorOf(c), await listActiveHolds(store))),
    }),
  ];
}
