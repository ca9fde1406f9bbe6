import { html } from 'hono/html';
import type { PendingAction } from '../../operators/pending-action-repository.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import type { Html } from '../layout/html.ts';
import { dataTable } from '../layout/table.ts';
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
  const confirm = may.confirm ? html`<button class="usa-button" type="submit" formaction="${PENDING_PATH}/${a.id}/confirm" id="confirm-${a.id}">Confirm</button>` : '';
  const reject = may.reject ? html`<button class="usa-button usa-button--secondary" type="submit" formaction="${PENDING_PATH}/${a.id}/reject" id="reject-${a.id}">Reject</button>` : '';
  return html`<form class="usa-form pending-decision" method="post" action="${PENDING_PATH}/${a.id}/${may.confirm ? 'confirm' : 'reject'}">
<label class="usa-label" for="reason-${a.id}">Reason</label>
<input class="usa-input" id="reason-${a.id}" name="reason" required maxlength="1000">
${confirm}${reject}
</form>`;
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
