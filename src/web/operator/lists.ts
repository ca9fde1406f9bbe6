import type { CredentialException } from '../../credentials/exceptions.ts';
import type { PendingAction } from '../../operators/pending-action-repository.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import { pendingActions } from '../../runtime/pending-actions.ts';
import { render } from '../layout/shell.ts';
import { dataTable } from '../layout/table.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import { API_ROLES, musterOf, type OperatorDeps, when } from './deps.ts';

/** The two lists the dashboard counts that have no page of their own elsewhere: two-person actions and credential exceptions. */
export function listPages(deps: OperatorDeps): ConsoleRoute[] {
  return [
    consoleRoute({
      method: 'get',
      path: `${CONSOLE_PATH}/pending-actions`,
      roles: API_ROLES.pendingActions,
      nav: 'Two-person actions',
      handler: async (c) =>
        render(
          c,
          'Two-person actions awaiting confirmation',
          dataTable({
            id: 'pending-actions',
            caption: 'Pending actions (confirm or reject through the API or the command line)',
            columns: [
              { label: 'What', cell: (a: PendingAction) => a.summary },
              { label: 'Kind', cell: (a) => a.kind },
              { label: 'Needs', cell: (a) => a.requiredRole },
              { label: 'Proposed by', cell: (a) => a.proposedBy },
              { label: 'Proposed', cell: (a) => when(a.proposedAt) },
              { label: 'Expires', cell: (a) => when(a.expiresAt) },
            ],
            rows: await pendingActions(musterOf(deps)).list('pending'),
            empty: 'Nothing awaits a second person.',
          }),
        ),
    }),
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
