/**
 * Separation of duties (FIPS 201-3 §2.7–2.9) and two-person rules: pure checks over who did what.
 * An operator is named by the identity id of the MUR it is; `operator:<id>` is its audit actor.
 */

const OPERATOR_PREFIX = 'operator:';

/** The identity id of an `operator:<id>` actor; undefined for a system or free-text actor. */
export function operatorIdOf(actor: string): string | undefined {
  return actor.startsWith(OPERATOR_PREFIX) ? actor.slice(OPERATOR_PREFIX.length) : undefined;
}

/** The separation-of-duties rules a PIV issuance or its records can break; each refusal names one. */
export type SeparationRule =
  | 'sponsor-not-applicant'
  | 'registrar-not-applicant'
  | 'issuer-not-applicant'
  | 'sponsor-not-registrar'
  | 'issuer-not-sponsor'
  | 'issuer-not-registrar'
  | 'issuer-is-operator'
  | 'binder-not-holder'
  | 'second-person';

export interface SeparationRefusal {
  readonly rule: SeparationRule;
  readonly message: string;
}

/** Who plays each part of a card issuance; an unknown part (not recorded yet, or a system actor) is undefined. */
export interface IssuanceParties {
  readonly applicant: string;
  readonly sponsor?: string | undefined;
  readonly registrar?: string | undefined;
  readonly issuer?: string | undefined;
}

const PAIRS: readonly (readonly [keyof IssuanceParties, keyof IssuanceParties, SeparationRule])[] = [
  ['sponsor', 'applicant', 'sponsor-not-applicant'],
  ['registrar', 'applicant', 'registrar-not-applicant'],
  ['issuer', 'applicant', 'issuer-not-applicant'],
  ['sponsor', 'registrar', 'sponsor-not-registrar'],
  ['issuer', 'sponsor', 'issuer-not-sponsor'],
  ['issuer', 'registrar', 'issuer-not-registrar'],
];

const PART_NAMES: Readonly<Record<keyof IssuanceParties, string>> = { applicant: 'the applicant', sponsor: 'the sponsor', registrar: 'the registrar', issuer: 'the issuer' };

/**
 * The first rule the parties break: sponsor, registrar and issuer are three different people, none of them the
 * applicant (FIPS 201-3 §2.7: no single person may issue a credential on their own). Null when none is broken.
 */
export function issuanceSeparationRefusal(parties: IssuanceParties): SeparationRefusal | null {
  for (const [a, b, rule] of PAIRS) {
    const left = parties[a];
    if (left !== undefined && left === parties[b]) {
      return { rule, message: `${PART_NAMES[a]} and ${PART_NAMES[b]} are the same person (identity ${left}): FIPS 201-3 separation of duties needs a different person for each` };
    }
  }
  return null;
}

/** A card is issued by a named operator (`operator:<id>`), never by a system or free-text actor that no rule could tell apart from the sponsor or registrar. */
export function issuerActorRefusal(issuerActor: string): SeparationRefusal | null {
  if (operatorIdOf(issuerActor) !== undefined) return null;
  return { rule: 'issuer-is-operator', message: `the issuer ${issuerActor} is not an operator: a PIV card is issued by an operator holding the issuer role (MUSTER_TOKEN on the command line)` };
}

/**
 * A Derived PIV binding is approved by an operator other than its holder — unless the holder binds their own
 * credential right after authenticating with their PIV card in the same session (SP 800-157r1 §2.1, the applicant's
 * own binding): `holderPivAuthenticated` says muster saw that authentication itself, not what the binder claims.
 */
export function bindingSeparationRefusal(holder: string, binderActor: string, options: { holderPivAuthenticated?: boolean } = {}): SeparationRefusal | null {
  if (operatorIdOf(binderActor) !== holder || options.holderPivAuthenticated === true) return null;
  return { rule: 'binder-not-holder', message: `the operator binding a Derived PIV credential is its holder (identity ${holder}): another operator must approve the binding` };
}

/** A two-person rule: the one who confirms is not the one who proposed. */
export function secondPersonRefusal(proposer: string, confirmer: string, what: string): SeparationRefusal | null {
  if (proposer !== confirmer) return null;
  return { rule: 'second-person', message: `${what} was proposed by ${proposer}; a second person must confirm it` };
}
