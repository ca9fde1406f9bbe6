import { isDeepStrictEqual } from 'node:util';
import type { IdentityStatus } from '../../core/identity/status.ts';
import type { ProvisioningRecord, RpAccountState } from './records.ts';
import type { RpScimService } from './rp-service.ts';
import { PIV_EXTENSION, type Json } from './scim-user.ts';

/** What an RP account should be: there and active or not, terminated, or never made (a pending identity). */
export type Wanted = 'active' | 'inactive' | 'terminated' | 'none';

const BY_STATUS: Readonly<Record<IdentityStatus, Wanted>> = {
  pending: 'none',
  active: 'active',
  leave: 'inactive',
  suspended: 'inactive',
  inactive: 'terminated',
  terminated: 'terminated',
  archived: 'terminated',
};

/** The account an identity should have at an RP: none outside the agreement's population, else as its status says. */
export function wantedAccount(status: IdentityStatus, covered: boolean): Wanted {
  return covered ? BY_STATUS[status] : 'terminated';
}

export type TerminationMode = 'delete' | 'deactivate';

/** The record after a sync, and the SCIM requests that made it so (none when nothing differed). */
export interface SyncOutcome {
  readonly record: ProvisioningRecord;
  readonly requests: readonly string[];
}

export interface SyncInput {
  readonly service: RpScimService;
  readonly current: ProvisioningRecord;
  readonly wanted: Wanted;
  /** The resource to push while the account exists (absent when terminating). */
  readonly resource: Json | undefined;
  readonly termination: TerminationMode;
  readonly now: Date;
}

/** Brings one RP account to what is wanted, with as few requests as that takes. */
export async function syncAccount(input: SyncInput): Promise<SyncOutcome> {
  if (input.wanted === 'terminated') return terminate(input);
  if (input.wanted === 'none' || input.resource === undefined) return { record: input.current, requests: [] };
  return upsert(input, input.resource);
}

/**
 * The resource as compared with what was pushed: without the extension's lastUpdated, which the MUR moves on a
 * change to any releasable attribute, including those this RP does not get. It goes out with the next change the
 * RP does get.
 */
function comparable(resource: Json): Json {
  const extension = resource[PIV_EXTENSION] as Json | undefined;
  if (extension === undefined) return resource;
  const { lastUpdated: _ignored, ...rest } = extension;
  return { ...resource, [PIV_EXTENSION]: rest };
}

function unchanged(current: ProvisioningRecord, resource: Json): boolean {
  return current.remoteId !== null && current.pushed !== null && isDeepStrictEqual(comparable(current.pushed), comparable(resource));
}

/** Only `active` differs from what was pushed: a PATCH says it. */
function onlyActiveDiffers(current: ProvisioningRecord, resource: Json): boolean {
  if (current.remoteId === null || current.pushed === null) return false;
  return isDeepStrictEqual(comparable({ ...current.pushed, active: resource.active }), comparable(resource));
}

function stateOf(resource: Json): RpAccountState {
  return resource.active === true ? 'active' : 'inactive';
}

async function upsert(input: SyncInput, resource: Json): Promise<SyncOutcome> {
  const { service, current, now } = input;
  if (unchanged(current, resource)) return { record: current, requests: [] };
  if (onlyActiveDiffers(current, resource)) {
    const remoteId = current.remoteId as string;
    if ((await service.setActive(remoteId, resource.active === true)) === 'done') {
      const pushed = { ...current.pushed, active: resource.active };
      return { record: { ...current, state: stateOf(resource), pushed, syncedAt: now }, requests: [`PATCH active=${String(resource.active)}`] };
    }
  } else if (current.remoteId !== null) {
    const replaced = await service.replace(current.remoteId, resource);
    if (replaced !== 'gone') return { record: written(current, replaced, now), requests: ['PUT'] };
  }
  // never pushed, or the RP no longer has it
  return { record: written(current, await service.create(resource), now), requests: ['POST'] };
}

function written(current: ProvisioningRecord, sent: { id: string; resource: Json; extension: 'sent' | 'refused' }, now: Date): ProvisioningRecord {
  return { ...current, sub: String(sent.resource.externalId), remoteId: sent.id, state: stateOf(sent.resource), pushed: sent.resource, syncedAt: now, extension: sent.extension };
}

/**
 * Termination (SP 800-63C-4 §4.6.5; SP 800-217 Appendix A.3): the account is deactivated at once, then deleted so
 * that the RP keeps none of the attributes pushed (`deactivate` mode stops after the PATCH).
 */
async function terminate(input: SyncInput): Promise<SyncOutcome> {
  const { service, current, termination, now } = input;
  if (current.remoteId === null) {
    return current.state === 'terminated' ? { record: current, requests: [] } : { record: { ...current, state: 'terminated', pushed: null, syncedAt: now }, requests: [] };
  }
  if (current.state === 'terminated' && termination === 'deactivate') return { record: current, requests: [] };
  const requests: string[] = [];
  let gone = false;
  if (current.pushed?.active !== false || current.state !== 'terminated') {
    gone = (await service.setActive(current.remoteId, false)) === 'gone';
    requests.push('PATCH active=false');
  }
  if (gone || termination === 'deactivate') {
    const pushed = gone ? null : { ...current.pushed, active: false };
    return { record: { ...current, remoteId: gone ? null : current.remoteId, state: 'terminated', pushed, syncedAt: now }, requests };
  }
  await service.remove(current.remoteId);
  requests.push('DELETE');
  return { record: { ...current, remoteId: null, state: 'terminated', pushed: null, syncedAt: now }, requests };
}
