import { createHash } from 'node:crypto';
import type { AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import { MusterError } from '../../core/errors.ts';
import type { Store, Tx } from '../../store/store.ts';
import { exportCaKeyPem, importCaKeyPem } from '../keys.ts';
import { X509Certificate } from '../x509.ts';
import { takeCaLock } from './ca-store.ts';

/**
 * The root CA key taken offline and brought back: exported as encrypted PKCS#8 (under the key passphrase),
 * removed from the store only once that very export is audited, imported again for a ceremony. While it is
 * offline the root signs nothing (see offlineKey in import.ts). Each step is audited naming the actor.
 */

export interface RootCeremony {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
  readonly actor: string;
  readonly correlationId: string;
}

interface RootRow {
  readonly certificate: Buffer;
  readonly keyPem: string | null;
  readonly hsmLabel: string | null;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

async function rootRow(tx: Tx): Promise<RootRow> {
  await takeCaLock(tx);
  const row = await tx.db.selectFrom('ca_keys').select(['certificate', 'key_pem', 'hsm_label']).where('role', '=', 'root').executeTakeFirst();
  if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', 'muster has no root CA yet (it is made on first start)', [{ field: 'root', message: 'not created' }]);
  return { certificate: row.certificate, keyPem: row.key_pem, hsmLabel: row.hsm_label };
}

function onlineKey(row: RootRow): string {
  if (row.hsmLabel !== null)
    throw new MusterError('MUSTER_ERR_PKI_HSM', `the root CA key is on the PKCS#11 token (label ${row.hsmLabel}): take the token offline instead`, [
      { key: 'pki.hsm.rootKeyLabel', message: 'the root key never leaves the token' },
    ]);
  if (row.keyPem === null) throw new MusterError('MUSTER_ERR_CONFLICT', 'the root CA key is already offline', [{ field: 'root', message: 'offline' }]);
  return row.keyPem;
}

/** The root key as encrypted PKCS#8 PEM, for the offline copy; audited with its SHA-256 so that removal can name it. */
export async function exportRootKey(c: RootCeremony): Promise<string> {
  return c.store.transaction(async (tx) => {
    const pem = onlineKey(await rootRow(tx));
    await c.audit.append(tx, [{ actor: c.actor, action: 'pki.root.exported', target: 'ca:root', reason: 'root CA key exported for offline keeping', data: { sha256: sha256(pem) } }], c.correlationId);
    return pem;
  });
}

/** Removes the root key from the store; refused unless the key as stored now was exported (and audited) before. */
export async function removeRootKey(c: RootCeremony): Promise<void> {
  await c.store.transaction(async (tx) => {
    const digest = sha256(onlineKey(await rootRow(tx)));
    const exports = await tx.db.selectFrom('audit_log').select('data').where('action', '=', 'pki.root.exported').execute();
    if (!exports.some((e) => (e.data as { sha256?: unknown }).sha256 === digest)) {
      throw new MusterError('MUSTER_ERR_CONFLICT', 'the root CA key has not been exported: run muster ca root export --out FILE first, and keep the file', [
        { field: 'root', message: 'no export of this key is audited' },
      ]);
    }
    await tx.db.updateTable('ca_keys').set({ key_pem: null }).where('role', '=', 'root').execute();
    await c.audit.append(tx, [{ actor: c.actor, action: 'pki.root.removed', target: 'ca:root', reason: 'root CA key taken offline', data: { sha256: digest } }], c.correlationId);
  });
}

/** Brings an exported root key back (encrypted PKCS#8 PEM under the key passphrase); refused unless it is the root certificate's key. */
export async function importRootKey(c: RootCeremony, pem: string, passphrase: string): Promise<void> {
  const key = await importCaKeyPem(pem, passphrase);
  await c.store.transaction(async (tx) => {
    const row = await rootRow(tx);
    if (row.keyPem !== null || row.hsmLabel !== null) throw new MusterError('MUSTER_ERR_CONFLICT', "the root CA key is already in muster's custody", [{ field: 'root', message: 'online' }]);
    const spki = Buffer.from(new X509Certificate(new Uint8Array(row.certificate)).publicKey.rawData);
    if (!spki.equals(Buffer.from(key.spki))) throw new MusterError('MUSTER_ERR_PKI_KEY', "the key in the file is not the root CA certificate's key", [{ field: 'file', message: 'another key' }]);
    const stored = await exportCaKeyPem(key, passphrase);
    await tx.db.updateTable('ca_keys').set({ key_pem: stored }).where('role', '=', 'root').execute();
    await c.audit.append(tx, [{ actor: c.actor, action: 'pki.root.imported', target: 'ca:root', reason: 'root CA key brought back online', data: { sha256: sha256(stored) } }], c.correlationId);
  });
}
