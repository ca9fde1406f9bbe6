import { randomUUID } from 'node:crypto';
import type { AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import { MusterError } from '../../core/errors.ts';
import type { Store } from '../../store/store.ts';
import {
  type CampaignRow,
  type ItemRow,
  type ItemScope,
  type ReviewerProgress,
  agreementAttributes,
  campaignById,
  insertCampaign,
  insertItems,
  itemById,
  liftRevocation,
  listCampaigns,
  progressOf,
  recordDecision,
  worklist,
} from './campaign-repository.ts';
import { applyItemRevocation, endCredentials } from './close.ts';
import { AGREEMENT_TARGET_PREFIX, restoreRpAccess } from './rp-access.ts';

export interface CampaignSettings {
  readonly remindEveryDays: number;
  readonly owners: Readonly<Record<string, string>>;
  readonly escalateTo: string;
}

export interface CampaignDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
  readonly settings: CampaignSettings;
  /** The configured targets, which a `target:X` scope must name. */
  readonly targets: readonly string[];
  /** Ends a Derived PIV credential a campaign revoked (the credential service's own termination, audited there). */
  readonly endCredential?: (credentialId: string, correlationId: string) => Promise<void>;
}

export const CAMPAIGN_REVIEWERS = ['manager', 'owner'] as const;
export const UNANSWERED_RULES = ['revoke', 'escalate'] as const;

export interface CampaignRequest {
  readonly name?: string | undefined;
  readonly scope: string;
  readonly reviewers: string;
  readonly due: string;
  readonly unanswered?: string | undefined;
  readonly reason: string;
  readonly actor: string;
  readonly correlationId: string;
}

export interface Campaign {
  readonly id: string;
  readonly name: string;
  readonly scope: string;
  readonly reviewers: string;
  readonly unanswered: string;
  readonly status: string;
  readonly dueAt: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly closedAt: string | null;
}

export interface CampaignItem {
  readonly id: string;
  readonly campaignId: string;
  readonly identityId: string;
  readonly kind: string;
  readonly target: string;
  readonly entitlement: string;
  readonly privileged: boolean;
  readonly reviewerId: string | null;
  readonly decision: string | null;
  readonly comment: string | null;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly outcome: string | null;
  /** Of a relying party's item (kind rp): the attributes released, the consent, the first and last sign-in, the account pushed. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

const DAY_MS = 86_400_000;

function invalid(field: string, value: string, message: string): never {
  throw new MusterError('MUSTER_ERR_VALIDATION', `${field}: ${message}`, [{ field, value, message }]);
}

const SCOPES = 'privileged, target:<name>, agreement:<id> or derived-credentials';

/** `privileged`, `target:<name>`, `agreement:<id>` (a trust agreement, checked when the campaign is made) or `derived-credentials`. */
export function parseScope(text: string, targets: readonly string[]): ItemScope {
  if (text === 'privileged') return { kind: 'privileged' };
  if (text === 'derived-credentials') return { kind: 'derived-credentials' };
  const agreement = /^agreement:([a-z][a-z0-9._-]{0,63})$/.exec(text)?.[1];
  if (agreement) return { kind: 'agreement', agreement };
  const target = /^target:([a-z][a-z0-9_-]{0,31})$/.exec(text)?.[1];
  if (target && targets.includes(target)) return { kind: 'target', target };
  if (target) invalid('scope', text, `no target '${target}' is configured (known: ${targets.join(', ') || 'none'})`);
  return invalid('scope', text, SCOPES);
}

/** A due date: `14d`, `2w`, or an ISO 8601 time, after now. */
export function parseDue(text: string, now: Date): Date {
  const m = /^(\d{1,3})([dw])$/.exec(text);
  const due = m ? new Date(now.getTime() + Number(m[1]) * (m[2] === 'w' ? 7 : 1) * DAY_MS) : new Date(text);
  if (Number.isNaN(due.getTime()) || due <= now) invalid('due', text, 'a window ahead (14d, 2w) or an ISO 8601 time in the future');
  return due;
}

export function campaignOf(r: CampaignRow): Campaign {
  return {
    id: r.id,
    name: r.name,
    scope: r.scope,
    reviewers: r.reviewers,
    unanswered: r.unanswered,
    status: r.status,
    dueAt: r.due_at.toISOString(),
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    closedAt: r.closed_at?.toISOString() ?? null,
  };
}

export function itemOf(r: ItemRow): CampaignItem {
  return {
    id: r.id,
    campaignId: r.campaign_id,
    identityId: r.identity_id,
    kind: r.kind,
    target: r.target,
    entitlement: r.entitlement,
    privileged: r.privileged,
    reviewerId: r.reviewer_id,
    decision: r.decision,
    comment: r.comment,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at?.toISOString() ?? null,
    outcome: r.outcome,
    ...(r.detail ? { detail: r.detail as Record<string, unknown> } : {}),
  };
}

/** Opens a campaign: one item per identity and entitlement of its scope, each with its reviewer. Audited. */
export async function createCampaign(deps: CampaignDeps, request: CampaignRequest): Promise<{ campaign: Campaign; items: number }> {
  const now = deps.clock.now();
  const scope = parseScope(request.scope, deps.targets);
  if (!(CAMPAIGN_REVIEWERS as readonly string[]).includes(request.reviewers)) invalid('reviewers', request.reviewers, 'manager or owner');
  const unanswered = request.unanswered ?? 'revoke';
  if (!(UNANSWERED_RULES as readonly string[]).includes(unanswered)) invalid('unanswered', unanswered, 'revoke or escalate');
  if (!request.reason.trim()) invalid('reason', request.reason, 'required');
  const dueAt = parseDue(request.due, now);
  const id = randomUUID();
  const name = request.name?.trim() || `${request.scope} ${now.toISOString().slice(0, 10)}`;
  if (scope.kind === 'agreement' && (await agreementAttributes(deps.store, scope.agreement)) === undefined) invalid('scope', request.scope, `no trust agreement '${scope.agreement}'`);
  return deps.store.transaction(async (tx) => {
    const reviewers = request.reviewers as 'manager' | 'owner';
    await insertCampaign(tx, {
      id,
      name,
      scope: request.scope,
      reviewers,
      unanswered: unanswered as 'revoke' | 'escalate',
      dueAt,
      remindEveryDays: deps.settings.remindEveryDays,
      createdBy: request.actor,
      reason: request.reason.trim(),
      now,
    });
    const items = await insertItems(tx, id, scope, { reviewers, owners: deps.settings.owners });
    await deps.audit.append(
      tx,
      [
        {
          actor: request.actor,
          action: 'campaign.created',
          target: `campaign:${id}`,
          reason: request.reason.trim(),
          data: { name, scope: request.scope, reviewers, unanswered, due_at: dueAt.toISOString(), items },
        },
      ],
      request.correlationId,
    );
    const row = (await campaignById(tx, id)) as CampaignRow;
    return { campaign: campaignOf(row), items };
  });
}

export async function campaigns(deps: Pick<CampaignDeps, 'store'>): Promise<Campaign[]> {
  return (await listCampaigns(deps.store)).map(campaignOf);
}

/** A campaign with its progress per reviewer (items, decided, kept, revoked). */
export async function campaignProgress(deps: Pick<CampaignDeps, 'store'>, id: string): Promise<{ campaign: Campaign; progress: ReviewerProgress[] }> {
  const row = await campaignById(deps.store, id);
  if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no campaign ${id}`, [{ field: 'id', value: id, message: 'not found' }]);
  return { campaign: campaignOf(row), progress: await progressOf(deps.store, id) };
}

export interface WorklistRequest {
  /** The reviewer (an identity id); the command line may ask for anyone's, or all. */
  readonly reviewerId?: string | undefined;
  readonly campaignId?: string | undefined;
  readonly escalated?: boolean | undefined;
  readonly all?: boolean | undefined;
}

export async function reviewItems(deps: Pick<CampaignDeps, 'store'>, request: WorklistRequest): Promise<CampaignItem[]> {
  return (await worklist(deps.store, { ...request, limit: 10_000 })).map(itemOf);
}

export interface DecisionRequest {
  readonly itemId: string;
  readonly decision: string;
  readonly comment: string;
  readonly actor: string;
  /** The operator deciding (an identity id), or undefined for the command line's own actor. */
  readonly reviewerId?: string | undefined;
  /** The deciding operator's roles: the escalation role may decide escalated items. */
  readonly roles?: readonly string[] | undefined;
  readonly correlationId: string;
}

/**
 * A reviewer keeps or revokes one item, with a comment. Only the item's reviewer decides it (or, once escalated,
 * a holder of the escalation role); nobody decides an item about their own access. A decision on an escalated
 * item of a closed campaign takes effect at once.
 */
export async function decideItem(deps: CampaignDeps, request: DecisionRequest): Promise<CampaignItem> {
  if (request.decision !== 'keep' && request.decision !== 'revoke') invalid('decision', request.decision, 'keep or revoke');
  if (!request.comment.trim()) invalid('comment', request.comment, 'required');
  const now = deps.clock.now();
  const outcome = await deps.store.transaction(async (tx): Promise<{ item: CampaignItem } | { refusal: Refusal }> => {
    const item = await itemById(tx, request.itemId);
    if (!item) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no review item ${request.itemId}`, [{ field: 'id', value: request.itemId, message: 'not found' }]);
    if (item.decision !== null || (item.outcome !== null && item.outcome !== 'escalated'))
      throw new MusterError('MUSTER_ERR_CONFLICT', `item ${item.id} is already decided`, [{ field: 'id', message: item.outcome ?? item.decision ?? '' }]);
    const refusal = reviewerRefusal(deps, item, request);
    if (refusal) return { refusal };
    await recordDecision(tx, item.id, request.decision as 'keep' | 'revoke', request.comment.trim(), request.actor, now);
    await deps.audit.append(
      tx,
      [
        {
          actor: request.actor,
          action: 'campaign.decided',
          target: `campaign:${item.campaign_id}`,
          reason: request.comment.trim(),
          data: { item_id: item.id, identity_id: item.identity_id, kind: item.kind, target: item.target, entitlement: item.entitlement, decision: request.decision },
        },
      ],
      request.correlationId,
    );
    if (item.outcome === 'escalated') await applyItemRevocation(deps, tx, item, request.decision as 'keep' | 'revoke', now, { actor: request.actor, correlationId: request.correlationId });
    return { item: itemOf((await itemById(tx, item.id)) as ItemRow) };
  });
  if ('item' in outcome) {
    if (outcome.item.kind === 'credential' && outcome.item.outcome === 'revoked') await endCredentials(deps, outcome.item.campaignId, [outcome.item.entitlement]);
    return outcome.item;
  }
  const { refusal } = outcome;
  await deps.store.transaction((tx) =>
    deps.audit.append(
      tx,
      [{ actor: request.actor, action: 'campaign.decision_refused', target: `campaign:${refusal.campaignId}`, reason: refusal.message, data: { item_id: refusal.itemId } }],
      request.correlationId,
    ),
  );
  throw new MusterError('MUSTER_ERR_FORBIDDEN', refusal.message, [{ field: 'id', value: refusal.itemId, message: 'not the reviewer' }]);
}

interface Refusal {
  readonly campaignId: string;
  readonly itemId: string;
  readonly message: string;
}

/** Why this caller may not decide the item, or null when they may. */
function reviewerRefusal(deps: CampaignDeps, item: ItemRow, request: DecisionRequest): Refusal | null {
  const self = request.reviewerId !== undefined && request.reviewerId === item.identity_id;
  const assigned = request.reviewerId === undefined || request.reviewerId === item.reviewer_id;
  const escalation = item.outcome === 'escalated' && (request.roles ?? []).includes(deps.settings.escalateTo);
  if (!self && (assigned || escalation)) return null;
  return { campaignId: item.campaign_id, itemId: item.id, message: self ? 'a reviewer may not decide their own access' : `item ${item.id} is not yours to review` };
}

export interface RestoreRequest {
  readonly identityId: string;
  readonly target: string;
  readonly entitlement: string;
  readonly reason: string;
  readonly actor: string;
  readonly correlationId: string;
}

/**
 * Gives back an entitlement a campaign revoked: the revocation is lifted and the policies decide again. For access to
 * a relying party (`agreement:<id>/<client>`) the RP is told and its account pushed again (`rp.access-restored`). Audited.
 */
export async function restoreEntitlement(deps: Pick<CampaignDeps, 'store' | 'audit' | 'clock'>, request: RestoreRequest): Promise<void> {
  if (!request.reason.trim()) invalid('reason', request.reason, 'required');
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    const lifted = await liftRevocation(tx, { ...request, by: request.actor, reason: request.reason.trim(), now });
    if (!lifted)
      throw new MusterError('MUSTER_ERR_NOT_FOUND', `no revocation of ${request.target}/${request.entitlement} for ${request.identityId}`, [
        { field: 'entitlement', value: `${request.target}/${request.entitlement}`, message: 'not revoked' },
      ]);
    await deps.audit.append(
      tx,
      [{ actor: request.actor, action: 'access.restored', target: request.identityId, reason: request.reason.trim(), data: { target: request.target, entitlement: request.entitlement } }],
      request.correlationId,
    );
    if (request.target.startsWith(AGREEMENT_TARGET_PREFIX)) {
      const restored = { identityId: request.identityId, agreementId: request.target.slice(AGREEMENT_TARGET_PREFIX.length), clientId: request.entitlement, reason: request.reason.trim() };
      await restoreRpAccess(tx, restored, { actor: request.actor, now, correlationId: request.correlationId, audit: deps.audit });
    }
  });
}
