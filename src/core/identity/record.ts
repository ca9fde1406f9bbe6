import { attributeDescriptor } from './attributes.ts';
import { attributeEvent, statusEvent } from './classify.ts';
import type { IdentityKind } from './kinds.ts';
import { type IdentityStatus, planStatusPath } from './status.ts';

/** One attribute value with its provenance: source, source record, observed time (ISO). */
export interface AttributeValue {
  readonly v: string;
  readonly s: string;
  readonly r: string;
  readonly t: string;
}

export interface IdentityState {
  readonly id: string;
  readonly kind: IdentityKind;
  readonly status: IdentityStatus;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly sponsorId: string | null;
  readonly expiresAt: string | null;
  readonly flags: readonly string[];
  readonly lastUpdated: Date;
  readonly createdAt: Date;
  readonly version: number;
}

/** What a source says about an identity: only the attributes it carries ('' clears one). */
export interface IncomingIdentity {
  readonly kind: IdentityKind;
  readonly status?: IdentityStatus | undefined;
  readonly attributes: Readonly<Record<string, string>>;
  readonly sponsorId?: string | null | undefined;
  readonly expiresAt?: string | null | undefined;
}

export interface Provenance {
  readonly source: string;
  readonly record: string;
  readonly observedAt: Date;
}

/** May this source change this attribute? `status`, `sponsor` and `expires` are asked by those names. */
export type Authority = (attribute: string) => boolean;

export interface IdentityPlan {
  readonly next: IdentityState;
  readonly statusPath: readonly IdentityStatus[];
  readonly changed: readonly string[];
  readonly refused: readonly string[];
  readonly events: readonly string[];
}

/** Plans what a source record does to an identity (or creates one when `current` is null). Pure. */
export function planIdentity(current: IdentityState | null, incoming: IncomingIdentity, prov: Provenance, authority: Authority, newId: string): IdentityPlan {
  const refused: string[] = [];
  const attributes = { ...(current?.attributes ?? {}) };
  const changed = applyAttributes(attributes, incoming.attributes, prov, authority, refused, current === null);
  const from = current?.status ?? null;
  const target = pickStatus(current, incoming.status, authority, refused);
  const statusPath = from === null ? [target] : planStatusPath(from, target);
  const sponsorId = pickField('sponsor', current?.sponsorId ?? null, incoming.sponsorId, authority, refused);
  const expiresAt = pickField('expires', current?.expiresAt ?? null, incoming.expiresAt, authority, refused);
  if (current && sponsorId !== current.sponsorId) changed.push('sponsor');
  if (current && expiresAt !== current.expiresAt) changed.push('expires');
  const releasableChanged = current === null || changed.some((n) => attributeDescriptor(n)?.releasable);
  const next: IdentityState = {
    id: current?.id ?? newId,
    kind: current?.kind ?? incoming.kind,
    status: target,
    attributes,
    sponsorId,
    expiresAt,
    flags: current?.flags ?? [],
    lastUpdated: releasableChanged ? prov.observedAt : (current as IdentityState).lastUpdated,
    createdAt: current?.createdAt ?? prov.observedAt,
    version: (current?.version ?? 0) + 1,
  };
  return { next, statusPath, changed, refused, events: planEvents(from, statusPath, changed) };
}

function applyAttributes(
  attributes: Record<string, AttributeValue>,
  incoming: Readonly<Record<string, string>>,
  prov: Provenance,
  authority: Authority,
  refused: string[],
  creating: boolean,
): string[] {
  const changed: string[] = [];
  const observed = prov.observedAt.toISOString();
  for (const [name, value] of Object.entries(incoming)) {
    const before = attributes[name]?.v ?? '';
    if (before === value) continue;
    if (!authority(name)) {
      refused.push(name);
      continue;
    }
    if (value === '') delete attributes[name];
    else attributes[name] = { v: value, s: prov.source, r: prov.record, t: observed };
    if (!creating) changed.push(name);
  }
  return changed;
}

function pickStatus(current: IdentityState | null, wanted: IdentityStatus | undefined, authority: Authority, refused: string[]): IdentityStatus {
  if (wanted === undefined) return current?.status ?? 'active';
  if (current && wanted !== current.status && !authority('status')) {
    refused.push('status');
    return current.status;
  }
  return wanted;
}

function pickField(name: string, current: string | null, wanted: string | null | undefined, authority: Authority, refused: string[]): string | null {
  if (wanted === undefined || wanted === current) return current;
  if (!authority(name)) {
    refused.push(name);
    return current;
  }
  return wanted;
}

function planEvents(from: IdentityStatus | null, path: readonly IdentityStatus[], changed: readonly string[]): string[] {
  const events: string[] = [];
  let at = from;
  for (const to of path) {
    const event = statusEvent(at, to);
    // a leaver passes through inactive; the move to inactive is part of leaving, not a separate event
    if (event && !(event === 'identity.disabled' && path.includes('terminated'))) events.push(event);
    at = to;
  }
  const attr = attributeEvent(changed);
  if (attr && from !== null) events.push(attr);
  return events;
}
