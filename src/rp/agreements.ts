/**
 * The RP's own record of its trust agreements (SP 800-217 §3): which IdP is THE PIV IdP for which
 * home agency and affiliations, the assurance agreed, the attributes requested and the action on
 * each shared signal. Checked once, when the RP starts; the mapping from a subscriber to an IdP
 * must be deterministic, so two agreements may share a home agency only with disjoint affiliations.
 */
import { z } from 'zod';
import { RpError } from './errors.ts';
import { AAL_VALUES, FAL_VALUES, RELEASABLE_ATTRIBUTES, SIGNAL_ACTIONS, SIGNAL_NAMES, type Aal, type Fal, type ReleasableAttribute, type SignalAction, type SignalName } from './profile.ts';

export interface TrustAgreement {
  readonly id: string;
  /** The PIV IdP's issuer identifier. */
  readonly issuer: string;
  /** Home agencies whose subscribers this IdP asserts, e.g. `agency_code:4700`. */
  readonly homeAgencies: readonly string[];
  /** When present, only subscribers with one of these organizational affiliations. */
  readonly affiliations?: readonly string[];
  readonly minFal: Fal;
  readonly minAal: Aal;
  /** Sent as `max_age`; an older `auth_time` is refused. */
  readonly maxAuthenticationAgeSeconds: number;
  readonly attributes: readonly ReleasableAttribute[];
  /** The agreed action for each signal; a signal not listed is recorded and otherwise ignored. */
  readonly signals: Readonly<Partial<Record<SignalName, SignalAction>>>;
}

export type TrustAgreements = readonly TrustAgreement[];

const signalNames = z.enum(SIGNAL_NAMES as [SignalName, ...SignalName[]]);

const agreementSchema = z.strictObject({
  id: z.string().min(1),
  issuer: z.url({ protocol: /^https?$/ }),
  homeAgencies: z.array(z.string().regex(/^agency_code:[0-9A-Z]{4}$|^[a-z0-9.-]+\.[a-z]{2,}$/, 'agency_code:NNNN or a domain name')).min(1),
  affiliations: z.array(z.string().min(1)).min(1).optional(),
  minFal: z.enum(FAL_VALUES),
  minAal: z.enum(AAL_VALUES),
  maxAuthenticationAgeSeconds: z.number().int().positive(),
  attributes: z.array(z.enum(RELEASABLE_ATTRIBUTES)).default([]),
  signals: z.partialRecord(signalNames, z.enum(SIGNAL_ACTIONS)).default({}),
});

/** Parses and checks the agreements; throws RP_ERR_CONFIG naming the first problem. */
export function parseAgreements(input: unknown): TrustAgreements {
  const parsed = z.array(agreementSchema).min(1).safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw new RpError('RP_ERR_CONFIG', `trust agreements: ${field}: ${issue?.message}`, { field });
  }
  const agreements = parsed.data.map((a) => Object.freeze(a)) as TrustAgreement[];
  assertDeterministic(agreements);
  return Object.freeze(agreements);
}

function assertDeterministic(agreements: TrustAgreements): void {
  agreements.forEach((a, i) => {
    for (const b of agreements.slice(i + 1)) {
      if (a.id === b.id) throw new RpError('RP_ERR_CONFIG', `trust agreements: id ${a.id} is used twice`, { field: 'id' });
      const shared = a.homeAgencies.find((agency) => b.homeAgencies.includes(agency));
      if (shared !== undefined && overlap(a, b)) {
        throw new RpError('RP_ERR_CONFIG', `trust agreements ${a.id} and ${b.id} both name a PIV IdP for ${shared}; give them disjoint affiliations`, { field: 'homeAgencies' });
      }
    }
  });
}

function overlap(a: TrustAgreement, b: TrustAgreement): boolean {
  if (!a.affiliations || !b.affiliations) return true;
  return a.affiliations.some((x) => b.affiliations?.includes(x));
}

/** The agreement that names the PIV IdP for this home agency and these affiliations, if any. */
export function agreementFor(agreements: TrustAgreements, homeAgency: string, affiliations: readonly string[]): TrustAgreement | undefined {
  return agreements.find((a) => a.homeAgencies.includes(homeAgency) && (!a.affiliations || a.affiliations.some((x) => affiliations.includes(x))));
}

/** The agreements held with one IdP (issuer identifiers compare exactly). */
export function agreementsWith(agreements: TrustAgreements, issuer: string): TrustAgreements {
  return agreements.filter((a) => a.issuer === issuer);
}
