import type { Tx } from '../../store/store.ts';
import {
  type CampaignRow,
  type ItemRow,
  campaignById,
  closeCampaignRow,
  closeItem,
  dueCampaigns,
  markReminded,
  openCampaigns,
  reviewersToRemind,
  revokeEntitlements,
  revokeRoles,
  revokedCredentials,
  roleHolders,
  settleItems,
} from './campaign-repository.ts';
import type { CampaignDeps } from './campaigns.ts';
import { revokeRelyingParties } from './rp-access.ts';

/** A message to a person at the address on record (delivered through muster's notification connector). */
export interface CampaignNotice {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly at: Date;
}

export type Deliver = (notice: CampaignNotice) => Promise<void>;

const DAY_MS = 86_400_000;
export const CAMPAIGN_TASK = 'governance.campaigns';
const ACTOR = 'muster:governance';

/**
 * The scheduler's task: closes every campaign past its due date (revoking what was revoked or left unanswered
 * under a `revoke` rule, escalating the rest under `escalate`), then reminds the reviewers of open campaigns.
 */
export async function runCampaignTask(deps: CampaignDeps, deliver: Deliver): Promise<{ closed: number; reminded: number }> {
  let closed = 0;
  for (const campaign of await dueCampaigns(deps.store, deps.clock.now())) {
    await closeCampaign(deps, campaign, deliver);
    closed++;
  }
  let reminded = 0;
  for (const campaign of await openCampaigns(deps.store)) reminded += await remind(deps, campaign, deliver);
  return { closed, reminded };
}

/** Settles the items of one campaign at its due date and closes it, in one transaction; then tells the escalation role. */
export async function closeCampaign(deps: CampaignDeps, campaign: CampaignRow, deliver: Deliver): Promise<Record<string, number>> {
  const now = deps.clock.now();
  const correlationId = `campaign-${campaign.id}`;
  const outcomes = await deps.store.transaction(async (tx) => {
    const counts = await settleItems(tx, campaign.id, campaign.unanswered as 'revoke' | 'escalate', now);
    const identities = await revokeEntitlements(tx, campaign.id, campaign.name, now);
    const roles = await revokeRoles(tx, campaign.id, now);
    const relyingParties = await revokeRelyingParties(tx, campaign, { actor: ACTOR, now, correlationId, audit: deps.audit });
    await closeCampaignRow(tx, campaign.id, now);
    await deps.audit.append(
      tx,
      [
        {
          actor: ACTOR,
          action: 'campaign.closed',
          target: `campaign:${campaign.id}`,
          reason: `due ${campaign.due_at.toISOString()}: ${Object.entries(counts)
            .map(([k, n]) => `${n} ${k}`)
            .join(', ')}`,
          data: { outcomes: counts, identities_recomputed: identities, roles_revoked: roles.length, rp_access_revoked: relyingParties },
        },
        ...roles.map((r) => ({
          actor: ACTOR,
          action: 'operator.role_revoked',
          target: r.identity_id,
          reason: `certification campaign ${campaign.name}`,
          data: { role: r.role, campaign_id: campaign.id },
        })),
      ],
      correlationId,
    );
    return counts;
  });
  await endCredentials(deps, campaign.id, await revokedCredentials(deps.store, campaign.id));
  if ((outcomes.escalated ?? 0) > 0) await tellEscalation(deps, campaign, outcomes.escalated ?? 0, deliver);
  return outcomes;
}

/**
 * Ends the Derived PIV credentials a campaign revoked, each through the credential service (its own transaction:
 * certificate revoked, authenticator removed, audited). One that cannot be ended (already ended) is audited and skipped.
 */
export async function endCredentials(deps: CampaignDeps, campaignId: string, ids: readonly string[]): Promise<void> {
  const correlationId = `campaign-${campaignId}`;
  for (const id of ids) {
    try {
      if (!deps.endCredential) throw new Error('no credential service');
      await deps.endCredential(id, correlationId);
    } catch (error) {
      await deps.store.transaction((tx) =>
        deps.audit.append(
          tx,
          [{ actor: ACTOR, action: 'campaign.credential_not_ended', target: `campaign:${campaignId}`, reason: (error as Error).message, data: { credential_id: id } }],
          correlationId,
        ),
      );
    }
  }
}

/** An escalated item decided after the due date: revoked at once, or kept. */
export async function applyItemRevocation(deps: CampaignDeps, tx: Tx, item: ItemRow, decision: 'keep' | 'revoke', now: Date, by: { actor: string; correlationId: string }): Promise<void> {
  await closeItem(tx, item.id, decision === 'keep' ? 'kept' : 'revoked', now);
  if (decision === 'keep') return;
  const campaignName = `escalated item of ${item.campaign_id}`;
  if (item.kind === 'credential') return;
  if (item.kind === 'rp') {
    const campaign = (await campaignById(tx, item.campaign_id)) as CampaignRow;
    await revokeRelyingParties(tx, campaign, { ...by, now, audit: deps.audit }, item.id);
    return;
  }
  if (item.kind === 'role') {
    const roles = await revokeRoles(tx, item.campaign_id, now, item.id);
    if (roles.length > 0)
      await deps.audit.append(
        tx,
        roles.map((r) => ({
          actor: ACTOR,
          action: 'operator.role_revoked',
          target: r.identity_id,
          reason: `certification campaign ${item.campaign_id}`,
          data: { role: r.role, campaign_id: item.campaign_id },
        })),
        `campaign-${item.campaign_id}`,
      );
    return;
  }
  await revokeEntitlements(tx, item.campaign_id, campaignName, now, item.id);
}

async function tellEscalation(deps: CampaignDeps, campaign: CampaignRow, count: number, deliver: Deliver): Promise<void> {
  const holders = await roleHolders(deps.store, deps.settings.escalateTo);
  for (const h of holders) {
    if (!h.email) continue;
    await deliver({
      id: `campaign-${campaign.id}-escalated-${h.identity_id}`,
      to: h.email,
      subject: `Certification campaign ${campaign.name}: ${count} item(s) escalated to you`,
      text: `The campaign ${campaign.name} reached its due date with ${count} item(s) unanswered. They are yours to decide: muster review items --escalated --campaign ${campaign.id}\n`,
      at: deps.clock.now(),
    });
  }
}

/** Reminds each reviewer with items left, at most once every `remind_every_days`. Answers the reviewers reminded. */
async function remind(deps: CampaignDeps, campaign: CampaignRow, deliver: Deliver): Promise<number> {
  const now = deps.clock.now();
  const last = campaign.reminded_at ?? campaign.created_at;
  if (now.getTime() - last.getTime() < campaign.remind_every_days * DAY_MS) return 0;
  const reviewers = await reviewersToRemind(deps.store, campaign.id);
  let sent = 0;
  for (const r of reviewers) {
    if (!r.email) continue;
    await deliver({
      id: `campaign-${campaign.id}-remind-${r.reviewer_id}-${now.toISOString().slice(0, 10)}`,
      to: r.email,
      subject: `Certification campaign ${campaign.name}: ${r.left} item(s) to review by ${campaign.due_at.toISOString().slice(0, 10)}`,
      text: `You have ${r.left} access item(s) to keep or revoke in ${campaign.name} before ${campaign.due_at.toISOString()}. Unanswered items will be ${campaign.unanswered === 'revoke' ? 'revoked' : 'escalated'}.\n\nmuster review items --campaign ${campaign.id}\n`,
      at: now,
    });
    sent++;
  }
  await deps.store.transaction(async (tx) => {
    await markReminded(tx, campaign.id, now);
    await deps.audit.append(
      tx,
      [{ actor: ACTOR, action: 'campaign.reminded', target: `campaign:${campaign.id}`, reason: `${sent} reviewer(s) reminded`, data: { reviewers: sent } }],
      `campaign-${campaign.id}`,
    );
  });
  return sent;
}
