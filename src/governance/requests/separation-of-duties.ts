import type { Tx } from '../../store/store.ts';

/** What is about to be granted, for the separation-of-duties check. */
export interface GrantToCheck {
  readonly requestId: string;
  readonly beneficiaryId: string;
  readonly item: string;
  readonly kind: string;
  readonly target: string | null;
  readonly entitlement: string | null;
  readonly role: string | null;
  readonly privileged: boolean;
}

/** A check that refuses a grant breaking a separation-of-duties rule by throwing MUSTER_ERR_SEPARATION_OF_DUTIES. */
export type SeparationOfDutiesCheck = (tx: Tx, grant: GrantToCheck) => Promise<void>;

/** No rule yet: every grant passes. */
const noRules: SeparationOfDutiesCheck = async () => {};

let current: SeparationOfDutiesCheck = noRules;

/** Installs the separation-of-duties policies' check (the composition root calls it once); `undefined` restores none. */
export function useSeparationOfDuties(check: SeparationOfDutiesCheck | undefined): void {
  current = check ?? noRules;
}

/**
 * Called in the granting transaction before a request becomes a grant (and before a mover's grant is approved
 * again): a conflicting combination of access refuses the grant and nothing is written.
 */
export function checkSeparationOfDuties(tx: Tx, grant: GrantToCheck): Promise<void> {
  return current(tx, grant);
}
