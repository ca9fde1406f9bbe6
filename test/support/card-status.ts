// What relying parties see of muster's PIV certificates: a software card issued through the card service, the
// OCSP answer for a serial asked over HTTP of the real responder, and the newest published CRL read entry by entry.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { issuanceRecordsFor, keyAndCsr } from '../../src/credentials/test-fixtures.ts';
import { latestCrl } from '../../src/pki/store/crl-store.ts';
import { X509CrlReason, parseCrl } from '../../src/pki/x509.ts';
import { OCSP_REQUEST_MEDIA_TYPE, normalizeSerial } from '../../src/protocols/ocsp/index.ts';
import { read, requestFor } from '../../src/protocols/ocsp/test-fixtures.ts';
import type { Muster } from '../../src/runtime/context.ts';
import { PKI_PATHS } from '../../src/runtime/pki.ts';
import { startPkiServing, type PkiServing } from '../../src/runtime/pki-serving.ts';

const YEAR_MS = 365 * 86_400_000;
const by = { actor: 'operator:0ff1ce00-0000-4000-8000-000000000001', correlationId: 'churn-cards' };

/** A certificate's status as one word: `good`, or its revocation reason (`certificateHold`, `affiliationChanged`…). */
export type CardStatus = string;

/** Issues and activates a PIV card (P-256 keys made by openssl in `dir`) for an identity; returns its certificate serials (lower-case hex, no leading zeros). */
export async function issueCard(muster: Muster, identityId: string, dir: string): Promise<string[]> {
  const { cards } = await muster.credentials();
  const now = muster.clock.now();
  await issuanceRecordsFor(muster, identityId);
  const csr = async (name: string) => (await keyAndCsr(dir, `${name}-${identityId}-${Math.random().toString(36).slice(2)}`)).csr;
  const card = await cards.issue(
    {
      identityId,
      expiresAt: new Date(now.getTime() + 5 * YEAR_MS),
      pivAuthCsr: await csr('piv'),
      cardAuthCsr: await csr('card'),
    },
    by,
  );
  await cards.activate(card.credentialId, by);
  return card.certificates.map((c) => normalizeSerial(c.serial));
}

/** The OCSP responder and CRL publisher of `muster serve`, its OCSP listener on an HTTP port of its own. */
export interface CardStatusReader {
  readonly pki: PkiServing;
  /** Publishes what changed now (OCSP answers and, if anything changed, a new CRL). */
  sync(): Promise<void>;
  /** The OCSP answer for a serial, asked by POST: `good`, `revoked:<reason>` or `unknown`. */
  ocsp(serial: string): Promise<string>;
  /** The newest CRL by number: its number and serial → reason for each entry. */
  crl(): Promise<{ number: number; throughChange: number; entries: Record<string, CardStatus> }>;
  close(): Promise<void>;
}

export async function startCardStatusReader(muster: Muster): Promise<CardStatusReader> {
  const pki = await startPkiServing(muster);
  const ca = await muster.ca();
  const server: Server = createServer((request, response) => {
    if (!pki.listener(request, response)) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PKI_PATHS.ocsp}`;
  return {
    pki,
    sync: () => pki.publisher.sync(),
    ocsp: async (serial) => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': OCSP_REQUEST_MEDIA_TYPE }, body: requestFor(ca.issuing, serial) });
      if (!response.ok) throw new Error(`OCSP for ${serial}: HTTP ${response.status}`);
      const { certStatus, single } = read(new Uint8Array(await response.arrayBuffer()));
      return certStatus === 'revoked' ? `revoked:${single?.certStatus.revoked?.revocationReason ?? '-'}` : String(certStatus);
    },
    crl: async () => {
      const published = await latestCrl(muster.store, ca.issuing.name);
      if (!published) throw new Error('no CRL published');
      const entries = Object.fromEntries((parseCrl(published.der.slice()).entries ?? []).map((e) => [normalizeSerial(e.serialNumber), X509CrlReason[e.reason ?? 0] ?? String(e.reason)]));
      return { number: published.number, throughChange: published.throughChange, entries };
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pki.stop();
    },
  };
}
