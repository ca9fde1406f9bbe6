import { identityView } from '../../mur/identity-repository.ts';
import { answerRefusal, formFields } from '../answers.ts';
import { operatorOf } from '../env.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import type { ConsoleServices } from '../services.ts';
import { show } from '../view.ts';
import { type CandidateView, DISPUTES_PATH, disputePage, disputesPage } from './pages.ts';

/**
 * The disputes pages, with the roles and service of `/api/disputes`: the cases and one case side by side (registrar,
 * auditor); a resolution with its reason (registrar).
 */

const BACK = { href: DISPUTES_PATH, text: 'All disputes' };

export function disputeRoutes(services: ConsoleServices): ConsoleRoute[] {
  return [
    consoleRoute({
      method: 'get',
      path: DISPUTES_PATH,
      roles: ['registrar', 'auditor'],
      nav: 'Disputes',
      handler: async (c) => show(c, disputesPage(await services.disputes.list({ status: 'open', limit: 200 }))),
    }),
    consoleRoute({
      method: 'get',
      path: `${DISPUTES_PATH}/:id`,
      roles: ['registrar', 'auditor'],
      handler: async (c) => {
        const me = operatorOf(c);
        return answerRefusal(
          c,
          me,
          BACK,
          async () => {
            const dispute = await services.disputes.get(c.req.param('id') ?? '');
            const candidates = await Promise.all(
              dispute.candidates.map(
                async (k): Promise<CandidateView> => ({
                  identityId: k.identity_id,
                  rule: k.rule,
                  confidence: k.confidence,
                  identity: await identityView(services.store, k.identity_id).catch(() => undefined),
                }),
              ),
            );
            return { dispute, candidates };
          },
          ({ dispute, candidates }) => show(c, disputePage(dispute, candidates, me.roles.includes('registrar'))),
        );
      },
    }),
    consoleRoute({
      method: 'post',
      path: `${DISPUTES_PATH}/:id/resolve`,
      roles: ['registrar'],
      handler: async (c) => {
        const me = operatorOf(c);
        const id = c.req.param('id') ?? '';
        const field = await formFields(c);
        return answerRefusal(
          c,
          me,
          { href: `${DISPUTES_PATH}/${id}`, text: 'Back to the case' },
          () => services.disputes.resolve(id, field('choice'), field('reason'), me.actor, c.get('correlationId')),
          () => c.redirect(`${DISPUTES_PATH}/${id}`, 303),
        );
      },
    }),
  ];
}
