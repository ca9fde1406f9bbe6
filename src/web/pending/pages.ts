import type { PendingAction } from '../../operators/pending-action-repository.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import type { Html } from '../layout/html.ts';
import { dataTable, type FormButton, reasonForm } from '../layout/table.ts';
import { when } from '../operator/deps.ts';
import { type View, view } from '../view.ts';

/** The two-person actions awaiting a second operator, with confirm and reject for those who may decide them. */

export const PENDING_PATH = `${CONSOLE_PATH}/pending-actions`;

/** What the operator viewing the list may do with one action: confirm (a second person holding its role), reject (its role, the proposer too). */
export interface PendingChoices {
  readonly confirm: boolean;
  readonly reject: boolean;
}

function decisionForm(a: PendingAction, may: PendingChoices): Html | string {
  if (!may.confirm && !may.reject) return '';
  const button = (choice: 'confirm' | 'reject', text: string): FormButton => ({ text, id: `${choice}-${a.id}`, formaction: `${PENDING_PATH}/${a.id}/${choice}`, secondary: choice === 'reject' });
  return reasonForm({
    action: `${PENDING_PATH}/${a.id}/${may.confirm ? 'confirm' : 'reject'}`,
    className: 'pending-decision',
    field: { id: `reason-${a.id}`, label: 'Reason' },
    buttons: [...(may.confirm ? [button('confirm', 'Confirm')] : []), ...(may.reject ? [button('reject', 'Reject')] : [])],
  });
}

export function pendingPage(actions: readonly PendingAction[], choices: (a: PendingAction) => PendingChoices): View {
  return view(
    'Two-person actions awaiting confirmation',
    dataTable({
      id: 'pending-actions',
      caption: 'Pending actions: each runs only when a second operator holding the role it needs confirms it',
      columns: [
        { label: 'What', cell: (a: PendingAction) => a.summary },
        { label: 'Kind', cell: (a) => a.kind },
        { label: 'Needs', cell: (a) => a.requiredRole },
        { label: 'Proposed by', cell: (a) => a.proposedBy },
        { label: 'Why', cell: (a) => a.reason },
        { label: 'Expires', cell: (a) => when(a.expiresAt) },
        { label: 'Decision', cell: (a) => decisionForm(a, choices(a)) },
      ],
      rows: actions,
      empty: 'Nothing awaits a second person.',
    }),
  );
}
