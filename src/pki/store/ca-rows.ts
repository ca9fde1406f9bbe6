import type { Queryable } from '../../store/store.ts';

export type CaRole = 'root' | 'issuing' | 'ocsp' | 'tls';

/** One row of `ca_keys`: a CA (root, PIV issuing, TLS issuing) or the OCSP responder certificate, and where its key is. */
export interface CaRow {
  readonly role: CaRole;
  readonly name: string;
  readonly certificate: Uint8Array;
  /** Encrypted PKCS#8 PEM of a software key. */
  readonly keyPem: string | null;
  /** Label of a key held in the HSM. */
  readonly hsmLabel: string | null;
}

type Raw = { role: CaRole; name: string; certificate: Uint8Array; key_pem: string | null; hsm_label: string | null };

export async function readCaRows(db: Queryable): Promise<Map<CaRole, CaRow>> {
  const rows = await db.query<Raw>('SELECT role, name, certificate, key_pem, hsm_label FROM ca_keys');
  return new Map(rows.map((r) => [r.role, { role: r.role, name: r.name, certificate: new Uint8Array(r.certificate), keyPem: r.key_pem, hsmLabel: r.hsm_label }]));
}

/** Inserts or replaces the row of a role. */
export async function writeCaRow(db: Queryable, row: CaRow, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO ca_keys (role, name, certificate, key_pem, hsm_label, created_at) VALUES ($1, $2, decode($3, 'hex'), $4, $5, $6)
     ON CONFLICT (role) DO UPDATE SET name = EXCLUDED.name, certificate = EXCLUDED.certificate, key_pem = EXCLUDED.key_pem,
       hsm_label = EXCLUDED.hsm_label, created_at = EXCLUDED.created_at`,
    [row.role, row.name, Buffer.from(row.certificate).toString('hex'), row.keyPem, row.hsmLabel, now],
  );
}
