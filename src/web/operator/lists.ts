import type { CredentialException } from '../../credentials/exceptions.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import { render } from '../layout/shell.ts';
import { dataTable } from '../layout/table.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import { API_ROLES, musterOf, type OperatorDeps, when } from './deps.ts';

/** A list the dashboard counts that has no page of its own elsewhere: credential exceptions. */
export function listPages(deps: OperatorDeps): ConsoleRoute[] {
  return [
    consoleRoute({
      method: 'get',
      path: `${CONSOLE_PATH}/exceptions`,
      roles: API_ROLES.exceptions,
      nav: 'Credential exceptions',
      handler: async (c) =>
        render(
          c,
          'Credential exceptions',
          dataTable({
            id: 'exceptions',
            caption: 'Active exceptions, soonest ending first',
            columns: [
              { label: 'Identity', cell: (e: CredentialException) => e.identityId },
              { label: 'Kind', cell: (e) => e.kind },
              { label: 'Reason', cell: (e) => e.reason },
              { label: 'Compensating control', cell: (e) => e.compensatingControl },
              { label: 'Approved by', cell: (e) => e.approvedBy },
              { label: 'Ends', cell: (e) => when(e.expiresAt) },
            ],
            rows: (await (await musterOf(deps).credentials()).exceptions.list()).filter((e) => e.status === 'active').sort((a, b) => new Date(a.expiresAt).getTime() - new Date(b.expiresAt).getTime()),
            empty: 'No active exceptions.',
          }),
        ),
    }),
  ];
}
