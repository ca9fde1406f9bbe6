import { listActiveHolds } from '../lifecycle/holds.ts';
import { CONSOLE_PATH } from '../runtime/console.ts';
import type { Store } from '../store/store.ts';
import { render } from './layout/shell.ts';
import { holdsBody } from './pages.ts';
import { type ConsoleRoute, consoleRoute } from './route.ts';

/** The holds list (the roles of `GET /api/identities/holds`, through the same service). */
export function pageRoutes(store: Store): ConsoleRoute[] {
  return [
    consoleRoute({
      method: 'get',
      path: `${CONSOLE_PATH}/holds`,
      roles: ['security-officer', 'helpdesk', 'auditor'],
      nav: 'Holds',
      handler: async (c) => render(c, 'Holds', holdsBody(await listActiveHolds(store))),
    }),
  ];
}
