import { campaignProgress, campaigns, createCampaign, decideItem, peopleNamed, reviewItems } from '../../governance/index.ts';
import { AgreementService } from '../../federation/agreements.ts';
import { campaignDeps } from '../../runtime/governance.ts';
import { answerRefusal, checkedId, formFields } from '../answers.ts';
import { operatorOf } from '../env.ts';
import { mayUse, musterOf, type OperatorDeps } from '../operator/deps.ts';
import { type ConsoleRoute, consoleRoute } from '../route.ts';
import { show } from '../view.ts';
import { newCampaignPage } from './new-campaign.ts';
import { CAMPAIGNS_PATH, campaignsPage, REVIEW_PATH, reviewersShown, worklistPage } from './pages.ts';

/**
 * Certification campaigns from the console, with the roles and services of `/api/campaigns` (security-officer,
 * auditor) and `/api/review/items` (reviewer, security-officer): the campaigns with their progress per reviewer; the
 * worklist, each item kept or revoked with a comment (only its reviewer, never about their own access). A security
 * officer opens a campaign with the form of `POST /api/campaigns`.
 */

const CAMPAIGN_ROLES = ['security-officer', 'auditor'] as const;
const REVIEW_ROLES = ['reviewer', 'security-officer'] as const;
const OPEN_ROLES = ['security-officer'] as const;
const DUE_DAY = /^\d{4}-\d{2}-\d{2}$/;

export function campaignRoutes(deps: OperatorDeps): ConsoleRoute[] {
  return [
    consoleRoute({
      method: 'get',
      path: CAMPAIGNS_PATH,
      roles: [...CAMPAIGN_ROLES],
      nav: 'Campaigns',
      handler: async (c) => {
        const m = musterOf(deps);
        const list = await Promise.all((await campaigns(m)).map((campaign) => campaignProgress(m, campaign.id)));
        const reviewers = list.flatMap((l) => reviewersShown(l.progress).flatMap((p) => (p.reviewer_id ? [p.reviewer_id] : [])));
        return show(c, campaignsPage(list, await peopleNamed(m.store, reviewers), mayUse(c, OPEN_ROLES)));
      },
    }),
    consoleRoute({
      method: 'get',
      path: `${CAMPAIGNS_PATH}/new`,
      roles: [...OPEN_ROLES],
      handler: async (c) => {
        const m = musterOf(deps);
        const agreements = (await new AgreementService(m).list()).filter((a) => a.status === 'active').map((a) => ({ id: a.id, name: a.document.name }));
        return show(c, newCampaignPage(CAMPAIGNS_PATH, m.accessTargets.names, agreements, m.clock.now()));
      },
    }),
    consoleRoute({
      method: 'post',
      path: CAMPAIGNS_PATH,
      roles: [...OPEN_ROLES],
      handler: async (c) => {
        const me = operatorOf(c);
        const field = await formFields(c);
        const due = field('due').trim();
        return answerRefusal(
          c,
          me,
          { href: `${CAMPAIGNS_PATH}/new`, text: 'Back to the new campaign' },
          () =>
            createCampaign(campaignDeps(musterOf(deps)), {
              name: field('name'),
              scope: field('scope'),
              reviewers: field('reviewers'),
              // a day from the date field ends at its last second, UTC; anything else goes to the service as it came
              due: DUE_DAY.test(due) ? `${due}T23:59:59Z` : due,
              unanswered: field('unanswered') || undefined,
              reason: field('reason'),
              actor: me.actor,
              correlationId: c.get('correlationId'),
            }),
          ({ campaign }) => c.redirect(`${CAMPAIGNS_PATH}#campaign-${campaign.id}`, 303),
        );
      },
    }),
    consoleRoute({
      method: 'get',
      path: REVIEW_PATH,
      roles: [...REVIEW_ROLES],
      nav: 'Review',
      handler: async (c) => {
        const m = musterOf(deps);
        const me = operatorOf(c);
        const mine = await reviewItems(m, { reviewerId: me.identityId });
        const escalation = me.roles.includes(m.config.governance.campaigns.escalateTo);
        const escalated = escalation ? (await reviewItems(m, { escalated: true })).filter((i) => i.identityId !== me.identityId) : null;
        const names = await peopleNamed(
          m.store,
          [...mine, ...(escalated ?? [])].map((i) => i.identityId),
        );
        return show(c, worklistPage(mine, escalated, names));
      },
    }),
    consoleRoute({
      method: 'post',
      path: `${REVIEW_PATH}/items/:id/decision`,
      roles: [...REVIEW_ROLES],
      handler: async (c) => {
        const me = operatorOf(c);
        const field = await formFields(c);
        return answerRefusal(
          c,
          me,
          { href: REVIEW_PATH, text: 'Back to the worklist' },
          () =>
            decideItem(campaignDeps(musterOf(deps)), {
              itemId: checkedId(c.req.param('id') ?? '', 'review item'),
              decision: field('decision'),
              comment: field('comment'),
              actor: me.actor,
              reviewerId: me.identityId,
              roles: me.roles,
              correlationId: c.get('correlationId'),
            }),
          () => c.redirect(REVIEW_PATH, 303),
        );
      },
    }),
  ];
}
