import type { Aal } from '../../../core/federation/profile.ts';
import { aalRank } from '../../../core/federation/profile.ts';
import type { Tx } from '../../../store/store.ts';

/** A credential as the signals see it. */
export interface CredentialFacts {
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly reference: string | null;
  readonly details: Record<string, unknown>;
}

const PIV_CARD = 'piv_card';
const DERIVED_PKI = 'derived_piv_pki';
const DERIVED_FIDO2 = 'derived_piv_fido2';

export async function credentialFacts(tx: Tx, credentialId: string): Promise<CredentialFacts | undefined> {
  const [row] = await tx.query<{ id: string; type: string; status: string; reference: string | null; details: Record<string, unknown> }>(
    'SELECT id, type, status, reference, details FROM credentials WHERE id = $1',
    [credentialId],
  );
  return row;
}

export async function activeCredentials(tx: Tx, identityId: string): Promise<CredentialFacts[]> {
  return tx.query<{ id: string; type: string; status: string; reference: string | null; details: Record<string, unknown> } & Record<string, unknown>>(
    "SELECT id, type, status, reference, details FROM credentials WHERE identity_id = $1 AND status = 'active'",
    [identityId],
  );
}

/**
 * The AAL a credential supports: a PIV card AAL3; a PKI Derived PIV credential AAL3 when its key is hardware-backed
 * (policy .41), else AAL2; a FIDO2 Derived PIV authenticator the AAL decided at its binding.
 */
export function aalOf(c: CredentialFacts): Aal | undefined {
  if (c.type === PIV_CARD) return 'aal3';
  if (c.type === DERIVED_PKI) return c.details.hardware_backed === true ? 'aal3' : 'aal2';
  if (c.type === DERIVED_FIDO2) return String(c.details.aal ?? '').toLowerCase() === 'aal3' ? 'aal3' : 'aal2';
  return undefined;
}

/** The best AAL among credentials, or undefined when none supports one. */
export function bestAal(credentials: readonly CredentialFacts[]): Aal | undefined {
  let best: Aal | undefined;
  for (const c of credentials) {
    const aal = aalOf(c);
    if (aal && (!best || aalRank(aal) > aalRank(best))) best = aal;
  }
  return best;
}

/**
 * CAEP credential-change fields of a credential: x509 (issuer and serial of its authentication certificate) or FIDO2
 * (AAGUID). The friendly name says what kind of credential it is and never names the card (its UUID or muster's id):
 * a value every relying party would see alike would let them link their accounts of one person.
 */
export async function caepCredential(tx: Tx, c: CredentialFacts): Promise<Record<string, unknown>> {
  if (c.type === DERIVED_FIDO2) {
    const transports = Array.isArray(c.details.transports) ? (c.details.transports as unknown[]) : [];
    return {
      credential_type: transports.includes('internal') ? 'fido2-platform' : 'fido2-roaming',
      ...(c.details.aaguid ? { fido2_aaguid: String(c.details.aaguid) } : {}),
      friendly_name: 'Derived PIV authenticator (FIDO2)',
    };
  }
  const [cert] = await tx.query<{ serial: string; issuer: string }>(
    "SELECT serial, issuer FROM certificates WHERE credential_id = $1 ORDER BY (profile IN ('piv-auth', 'derived-piv-auth')) DESC, not_before DESC LIMIT 1",
    [c.id],
  );
  const friendly = c.type === PIV_CARD ? 'PIV card' : 'Derived PIV credential (PKI)';
  return { credential_type: 'x509', ...(cert ? { x509_issuer: cert.issuer, x509_serial: BigInt(`0x${cert.serial}`).toString() } : {}), friendly_name: friendly };
}
