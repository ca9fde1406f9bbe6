import { MusterError } from '../../core/errors.ts';
import { type AccessRequest, directReports, listCatalogue, peopleNamed, type Requester, RequestService } from '../../governance/index.ts';
import type { Queryable } from '../../store/store.ts';
import { answerRefusal, checkedId, formFields } from '../answers.ts';
import { type ConsoleContext, operatorOf } from '../env.ts';
import { musterOf, type OperatorDeps } from '../operator/deps.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import { EVERY_ROLE } from '../roles.ts';
import { show } from '../view.ts';
import { ACCESS_PATH, APPROVALS_PATH, accessPage, approvalsPage } from './pages.ts';

/**
 * Access requests from the console, with the roles and service of `/api/access/requests` (every operator role): the
 * catalogue, a request for oneself or a direct report, one's own requests (with the activation button of a granted
 * just-in-time item); the approver's inbox with approve and deny. The service's refusals (an approver who is the
 * requester or the beneficiary, an end date too far) are shown with its message.
 */

const END_DATE = /^\d{4}-\d{2}-\d{2}$/;

function requesterOf(c: ConsoleContext): Requester {
  const me = operatorOf(c);
  return { identityId: me.identityId, actor: me.actor, correlationId: c.get('correlationId') };
}

/** The end of the chosen day, UTC; a malformed date is refused naming the field. */
function endOf(text: string): Date {
  const at = END_DATE.test(text) ? new Date(`${text}T23:59:59Z`) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new MusterError('MUSTER_ERR_VALIDATION', `End date: "${text}" is not a date (YYYY-MM-DD)`, [{ field: 'ends', value: text, message: 'not a date' }]);
  return at;
}

/** The names of the people these requests name: beneficiaries and requesters. */
function namesIn(db: Queryable, requests: readonly AccessRequest[]) {
  return peopleNamed(
    db,
    requests.flatMap((r) => [r.beneficiaryId, r.requesterId]),
  );
}

export function accessRequestRoutes(deps: OperatorDeps): ConsoleRoute[] {
  const requests = () => {
    const m = musterOf(deps);
    return new RequestService({ store: m.store, audit: m.audit, clock: m.clock, config: m.config });
  };
  return [
    consoleRoute({
      method: 'get',
      path: ACCESS_PATH,
      roles: EVERY_ROLE,
      nav: 'Access requests',
      handler: async (c) => {
        const m = musterOf(deps);
        const { identityId } = operatorOf(c);
        const mine = await requests().mine(identityId);
        const [items, reports, names] = await Promise.all([listCatalogue(m.store), directReports(m.store, identityId), namesIn(m.store, mine)]);
        return show(c, accessPage({ items, reports, mine, names, identityId }, m.clock.now()));
      },
    }),
    consoleRoute({
      method: 'post',
      path: `${ACCESS_PATH}/requests`,
      roles: EVERY_ROLE,
      handler: async (c) => {
        const field = await formFields(c);
        return answerRefusal(
          c,
          operatorOf(c),
          { href: ACCESS_PATH, text: 'Back to access requests' },
          async () => {
            const beneficiary = field('beneficiary').trim();
            const input = {
              item: field('item'),
              justification: field('justification'),
              endsAt: endOf(field('ends').trim()),
              ...(beneficiary ? { beneficiaryId: checkedId(beneficiary, 'For', 'form') } : {}),
            };
            return requests().request(input, requesterOf(c));
          },
          () => c.redirect(`${ACCESS_PATH}#mine-heading`, 303),
        );
      },
    }),
    consoleRoute({
      method: 'get',
      path: APPROVALS_PATH,
      roles: EVERY_ROLE,
      nav: 'Approvals',
      handler: async (c) => {
        const inbox = await requests().inbox(operatorOf(c).identityId);
        return show(c, approvalsPage(inbox, await namesIn(musterOf(deps).store, inbox)));
      },
    }),
    consoleRoute({
      method: 'post',
      path: `${ACCESS_PATH}/requests/:id/decision`,
      roles: EVERY_ROLE,
      handler: async (c) => {
        const field = await formFields(c);
        const decision = field('decision');
        return answerRefusal(
          c,
          operatorOf(c),
          { href: APPROVALS_PATH, text: 'Back to approvals' },
          async () => {
            if (decision !== 'approve' && decision !== 'deny')
              throw new MusterError('MUSTER_ERR_VALIDATION', 'Decision: approve or deny', [{ field: 'decision', value: decision, message: 'approve or deny' }]);
            return requests().decide(checkedId(c.req.param('id') ?? '', 'access request'), decision, field('reason'), requesterOf(c));
          },
          () => c.redirect(APPROVALS_PATH, 303),
        );
      },
    }),
  ];
}
