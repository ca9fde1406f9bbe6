import { html } from 'hono/html';
import type { Campaign, CampaignItem } from '../../governance/index.ts';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import type { Html } from '../layout/html.ts';
import { type Names, personLabel } from '../access/pages.ts';
import { dataTable, reasonForm } from '../layout/table.ts';
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

/** The most reviewers a campaign's table lists (a campaign reviewed by managers has one per manager of the agency). */
export const REVIEWERS_SHOWN = 50;

/** The reviewers a campaign's table lists: those with the most items still to decide, then by id. */
export function reviewersShown(progress: readonly ReviewerRow[]): ReviewerRow[] {
  const left = (p: ReviewerRow) => p.items - p.decided;
  return [...progress].sort((a, b) => left(b) - left(a) || String(a.reviewer_id).localeCompare(String(b.reviewer_id))).slice(0, REVIEWERS_SHOWN);
}

const total = (rows: readonly ReviewerRow[], key: 'items' | 'decided' | 'kept' | 'revoked') => rows.reduce((sum, p) => sum + p[key], 0);

function progressSummary(progress: readonly ReviewerRow[], shown: number): string {
  const counts = `${total(progress, 'items').toLocaleString('en-US')} items, ${total(progress, 'decided').toLocaleString('en-US')} decided (${total(progress, 'kept').toLocaleString('en-US')} kept, ${total(progress, 'revoked').toLocaleString('en-US')} revoked)`;
  const reviewers = progress.length > shown ? `; the ${shown} of ${progress.length.toLocaleString('en-US')} reviewers with the most left to decide:` : '.';
  return `${counts}${reviewers}`;
}

function campaignSection({ campaign, progress }: CampaignWithProgress, names: Names): Html {
  const shown = reviewersShown(progress);
  const table = dataTable({
    id: `progress-${campaign.id}`,
    caption: `Progress of ${campaign.name} per reviewer`,
    columns: [
      { label: 'Reviewer', cell: (p: ReviewerRow) => (p.reviewer_id ? personLabel(names, p.reviewer_id) : 'nobody (escalated or unassigned)') },
      { label: 'Items', cell: (p) => p.items, numeric: true },
      { label: 'Decided', cell: (p) => p.decided, numeric: true },
      { label: 'Kept', cell: (p) => p.kept, numeric: true },
      { label: 'Revoked', cell: (p) => p.revoked, numeric: true },
    ],
    rows: shown,
    empty: 'No items.',
  });
  return html`<section class="campaign margin-top-4" id="campaign-${campaign.id}" aria-labelledby="campaign-${campaign.id}-heading">
<h2 id="campaign-${campaign.id}-heading">${campaign.name}</h2>
<p>Scope <code>${campaign.scope}</code>, reviewed by ${campaign.reviewers}, <strong class="campaign-status">${campaign.status}</strong>, due ${when(campaign.dueAt)}; unanswered items are ${campaign.unanswered === 'revoke' ? 'revoked' : 'escalated'}.</p>
<p class="campaign-totals">${progressSummary(progress, shown.length)}</p>
${table}</section>`;
}

export function campaignsPage(list: readonly CampaignWithProgress[], names: Names, mayOpen: boolean): View {
  const open = mayOpen ? html`<p><a class="usa-button" href="${CAMPAIGNS_PATH}/new" id="new-campaign">New campaign</a></p>` : '';
  return view('Certification campaigns', html`${open}${list.length === 0 ? html`<p id="campaigns">No campaigns.</p>` : html`<div id="campaigns">${list.map((c) => campaignSection(c, names))}</div>`}`);
}

function decisionForm(item: CampaignItem, names: Names): Html {
  return reasonForm({
    action: `${REVIEW_PATH}/items/${item.id}/decision`,
    className: 'review-decision',
    field: { id: `comment-${item.id}`, name: 'comment', label: `Comment on ${item.entitlement} of ${personLabel(names, item.identityId)}` },
    buttons: [
      { text: 'Keep', id: `keep-${item.id}`, name: 'decision', value: 'keep' },
      { text: 'Revoke', id: `revoke-${item.id}`, name: 'decision', value: 'revoke', secondary: true },
    ],
  });
}

/** What a relying party received of the person (its item's detail), or nothing for other items. */
function releasedOf(item: CampaignItem): string {
  const released = item.detail?.released;
  return Array.isArray(released) ? released.join(', ') || 'none' : '';
}

function worklistTable(id: string, caption: string, items: readonly CampaignItem[], names: Names, empty: string): Html {
  return dataTable({
    id,
    caption,
    columns: [
      { label: 'Person', cell: (i: CampaignItem) => personLabel(names, i.identityId) },
      { label: 'Kind', cell: (i) => i.kind },
      { label: 'Where', cell: (i) => i.target },
      { label: 'Access', cell: (i) => i.entitlement },
      { label: 'Privileged', cell: (i) => (i.privileged ? 'yes' : 'no') },
      { label: 'Released', cell: (i) => releasedOf(i) },
      { label: 'Decision', cell: (i) => decisionForm(i, names) },
    ],
    rows: items,
    empty,
  });
}

export function worklistPage(mine: readonly CampaignItem[], escalated: readonly CampaignItem[] | null, names: Names): View {
  const more = escalated
    ? html`<section aria-labelledby="escalated-heading" class="margin-top-4"><h2 id="escalated-heading">Escalated items</h2>${worklistTable('escalated', 'Items escalated to your role', escalated, names, 'No escalated items.')}</section>`
    : '';
  return view('Review', html`${worklistTable('worklist', 'Items assigned to you, still to decide', mine, names, 'Nothing to review.')}${more}`);
}
