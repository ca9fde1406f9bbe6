import type { IdentityState } from '../core/identity/record.ts';
import type { IdentityStatus } from '../core/identity/status.ts';
import type { ChangeSet } from '../mur/change-set.ts';

/** The audit actor of every change the lifecycle makes on its own. */
export const LIFECYCLE_ACTOR = 'muster:lifecycle';
/** The status history `source` of lifecycle status moves. */
export const LIFECYCLE_SOURCE = 'lifecycle';

export interface LifecycleChange {
  readonly next: IdentityState;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly reason: string;
  readonly moves?: readonly { from: IdentityStatus | null; to: IdentityStatus }[];
}

/** Adds one lifecycle identity update (once per identity), with its event, status moves and audit entry, to `changes`. */
export function addLifecycleChange(changes: ChangeSet, change: LifecycleChange): void {
  if (!changes.updated.some((s) => s.id === change.next.id)) changes.updated.push(change.next);
  changes.events.push({
    type: change.type,
    identityId: change.next.id,
    payload: change.payload,
    moves: change.moves ?? [],
    reason: change.reason,
    source: LIFECYCLE_SOURCE,
    audit: { actor: LIFECYCLE_ACTOR, action: change.type, target: change.next.id, reason: change.reason, data: change.payload },
  });
}

/** The next version of `current` with `patch` applied. */
export function nextVersion(current: IdentityState, patch: Partial<Pick<IdentityState, 'status' | 'sponsorId' | 'flags'>>): IdentityState {
  return { ...current, ...patch, version: current.version + 1 };
}

/** `flags` with `add` present and every flag of `remove` gone, in a stable order. */
export function withFlags(flags: readonly string[], add: string, remove: readonly string[] = []): string[] {
  const kept = flags.filter((f) => f !== add && !remove.includes(f));
  return [...kept, add];
}
