import { html } from 'hono/html';
import type { Campaign, CampaignItem } from '../../governance/index.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import type { Html } from '../layout/html.ts';
import { dataTable } from '../layout/table.ts';
import { when } from '../operator/deps.ts';
import { type View, view } from '../view.ts';

/** The certification pages: every campaign with its progress per reviewer; a reviewer's worklist. */

export const CAMPAIGNS_PATH = `${CONSOLE_PATH}/campaigns`;
export const REVIEW_PATH = `${CONSOLE_PATH}/review`;

/** A reviewer's share of a campaign: items assigned, decided, kept, revoked. */
export interface ReviewerRow {
  readonly reviewer_id: string | null;
  readonly items: number;
  readonly decided: number;
  readonly kept: number;
  readonly revoked: number;
}

export interface CampaignWithProgress {
  readonly campaign: Campaign;
  readonly progress: readonly ReviewerRow[];
}

function campaignSection({ campaign, progress }: CampaignWithProgress): Html {
  const table = dataTable({
    id: `progress-${campaign.id}`,
    caption: `Progress of ${campaign.name} per reviewer`,
    columns: [
      { label: 'Reviewer', cell: (p: ReviewerRow) => p.reviewer_id ?? 'nobody (escalated or unassigned)' },
      { label: 'Items', cell: (p) => p.items, numeric: true },
      { label: 'Decided', cell: (p) => p.decided, numeric: true },
      { label: 'Kept', cell: (p) => p.kept, numeric: true },
      { label: 'Revoked', cell: (p) => p.revoked, numeric: true },
    ],
    rows: progress,
    empty: 'No items.',
  });
  return html`<section class="campaign margin-top-4" id="campaign-${campaign.id}" aria-labelledby="campaign-${campaign.id}-heading">
<h2 id="campaign-${campaign.id}-heading">${campaign.name}</h2>
<p>Scope <code>${campaign.scope}</code>, reviewed by ${campaign.reviewers}, <strong class="campaign-status">${campaign.status}</strong>, due ${when(campaign.dueAt)}; unanswered items are ${campaign.unanswered === 'revoke' ? 'revoked' : 'escalated'}.</p>
${table}</section>`;
}

export function campaignsPage(list: readonly CampaignWithProgress[]): View {
  return view('Certification campaigns', list.length === 0 ? html`<p id="campaigns">No campaigns.</p>` : html`<div id="campaigns">${list.map(campaignSection)}</div>`);
}

function decisionForm(item: CampaignItem): Html {
  return html`<form class="usa-form review-decision" method="post" action="${REVIEW_PATH}/items/${item.id}/decision">
<label class="usa-label" for="comment-${item.id}">Comment on ${item.entitlement} of ${item.identityId}</label>
<input class="usa-input" id="comment-${item.id}" name="comment" required maxlength="1000">
<button class="usa-button" type="submit" name="decision" value="keep" id="keep-${item.id}">Keep</button>
<button class="usa-button usa-button--secondary" type="submit" name="decision" value="revoke" id="revoke-${item.id}">Revoke</button>
</form>`;
}

/** What a relying party received of the person (its item's detail), or nothing for other items. */
function releasedOf(item: CampaignItem): string {
  const released = item.detail?.released;
  return Array.isArray(released) ? released.join(', ') || 'none' : '';
}

function worklistTable(id: string, caption: string, items: readonly CampaignItem[], empty: string): Html {
  return dataTable({
    id,
    caption,
    columns: [
      { label: 'Person', cell: (i: CampaignItem) => i.identityId },
      { label: 'Kind', cell: (i) => i.kind },
      { label: 'Where', cell: (i) => i.target },
      { label: 'Access', cell: (i) => i.entitlement },
      { label: 'Privileged', cell: (i) => (i.privileged ? 'yes' : 'no') },
      { label: 'Released', cell: (i) => releasedOf(i) },
      { label: 'Decision', cell: (i) => decisionForm(i) },
    ],
    rows: items,
    empty,
  });
}

export function worklistPage(mine: readonly CampaignItem[], escalated: readonly CampaignItem[] | null): View {
  const more = escalated
    ? html`<section aria-labelledby="escalated-heading" class="margin-top-4"><h2 id="escalated-heading">Escalated items</h2>${worklistTable('escalated', 'Items escalated to your role', escalated, 'No escalated items.')}</section>`
    : '';
  return view('Review', html`${worklistTable('worklist', 'Items assigned to you, still to decide', mine, 'Nothing to review.')}${more}`);
}
