import { createHash } from 'node:crypto';
import type { CheckpointSigner } from '../../audit/checkpoint.ts';
import { signJson } from '../../audit/evidence/jws.ts';
import type { ReviewerProgress } from './campaign-repository.ts';
import { allItems, campaignAudit } from './campaign-repository.ts';
import { type Campaign, type CampaignDeps, type CampaignItem, campaignProgress, itemOf } from './campaigns.ts';

export const CAMPAIGN_EVIDENCE_FORMAT = 'muster-campaign-evidence/v1';

/** What a campaign decided, by whom and when, anchored in the audit chain by the entries it made and the chain's head. */
export interface CampaignEvidenceBody {
  readonly format: typeof CAMPAIGN_EVIDENCE_FORMAT;
  readonly producedAt: string;
  readonly producedBy: string;
  readonly campaign: Campaign;
  readonly progress: readonly ReviewerProgress[];
  readonly items: readonly CampaignItem[];
  readonly audit: { readonly entries: readonly { seq: number; at: string; actor: string; action: string; hash: string }[]; readonly head: { seq: number; hash: string } | null };
}

export interface CampaignEvidence {
  /** The bundle file: a JWS (general JSON serialization, EdDSA by the audit signing key) ending with a newline. */
  readonly text: string;
  readonly body: CampaignEvidenceBody;
  readonly sha256: string;
}

/** Signs the campaign's evidence with the audit signing key and records its digest in the audit chain (`campaign.evidence-issued`). */
export async function campaignEvidence(deps: CampaignDeps & { readonly signer: CheckpointSigner }, id: string, actor: string, correlationId: string): Promise<CampaignEvidence> {
  const { campaign, progress } = await campaignProgress(deps, id);
  const items = (await allItems(deps.store, id)).map(itemOf);
  const { entries, head } = await campaignAudit(deps.store, id);
  const body: CampaignEvidenceBody = {
    format: CAMPAIGN_EVIDENCE_FORMAT,
    producedAt: deps.clock.now().toISOString(),
    producedBy: actor,
    campaign,
    progress,
    items,
    audit: {
      entries: entries.map((e) => ({ seq: Number(e.seq), at: e.at.toISOString(), actor: e.actor, action: e.action, hash: e.hash })),
      head: head ? { seq: Number(head.seq), hash: head.hash } : null,
    },
  };
  const text = signJson(body, deps.signer);
  const sha256 = createHash('sha256').update(text).digest('hex');
  await deps.store.transaction((tx) =>
    deps.audit.append(
      tx,
      [{ actor, action: 'campaign.evidence-issued', target: `campaign:${id}`, reason: `evidence of ${campaign.name}`, data: { sha256, items: items.length, head_seq: body.audit.head?.seq ?? null } }],
      correlationId,
    ),
  );
  return { text, body, sha256 };
}
