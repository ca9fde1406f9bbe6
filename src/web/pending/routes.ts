import type { Decider } from '../../operators/pending-actions.ts';
import { pendingActions } from '../../runtime/pending-actions.ts';
import { answerRefusal, checkedId, formFields } from '../answers.ts';
import { type ConsoleContext, operatorOf } from '../env.ts';
import { API_ROLES, musterOf, type OperatorDeps } from '../operator/deps.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import { show } from '../view.ts';
import { PENDING_PATH, pendingPage } from './pages.ts';

/**
 * Two-person actions, with the roles and service of `/api/pending-actions`: the list (its readers), confirm and reject
 * (federation-admin, operator-admin). The confirm button is shown to a second operator holding the role the action
 * needs, never its proposer; the service refuses the proposer anyway (audited) and the page shows its message.
 */

const DECIDE_ROLES = ['federation-admin', 'operator-admin'] as const;

function deciderOf(c: ConsoleContext): Decider {
  const me = operatorOf(c);
  return { tokenId: '', tokenName: 'console', identityId: me.identityId, roles: me.roles, actor: me.actor, correlationId: c.get('correlationId') };
}

function decision(deps: OperatorDeps, verb: 'confirm' | 'reject'): ConsoleRoute {
  return consoleRoute({
    method: 'post',
    path: `${PENDING_PATH}/:id/${verb}`,
    roles: [...DECIDE_ROLES],
    handler: async (c) => {
      const field = await formFields(c);
      return answerRefusal(
        c,
        operatorOf(c),
        { href: PENDING_PATH, text: 'Back to two-person actions' },
        () => pendingActions(musterOf(deps))[verb](checkedId(c.req.param('id') ?? '', 'pending action'), deciderOf(c), field('reason').trim()),
        () => c.redirect(PENDING_PATH, 303),
      );
    },
  });
}

export function pendingRoutes(deps: OperatorDeps): ConsoleRoute[] {
  return [
    consoleRoute({
      method: 'get',
      path: PENDING_PATH,
      roles: API_ROLES.pendingActions,
      nav: 'Two-person actions',
      handler: async (c) => {
        const me = operatorOf(c);
        const decides = DECIDE_ROLES.some((role) => me.roles.includes(role));
        const actions = await pendingActions(musterOf(deps)).list('pending');
        return show(
          c,
          pendingPage(actions, (a) => {
            const holds = decides && me.roles.includes(a.requiredRole);
            return { confirm: holds && a.proposedBy !== me.actor, reject: holds };
          }),
        );
      },
    }),
    decision(deps, 'confirm'),
    decision(deps, 'reject'),
  ];
}
