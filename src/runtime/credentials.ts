import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MusterConfig } from '../config/schema.ts';
import { agencyFetch } from '../connectors/outbound/index.ts';
import { FanOutNotifier, MaildirNotifier, WebhookNotifier, type Notifier } from '../connectors/notify/index.ts';
import { MusterError } from '../core/errors.ts';
import { CardService } from '../credentials/card-service.ts';
import { DerivedService } from '../credentials/derived/bind.ts';
import type { WebAuthnPolicy } from '../credentials/derived/webauthn/index.ts';
import { ExceptionService } from '../credentials/exceptions.ts';
import type { CardDeps } from '../credentials/types.ts';
import type { RevocationUrls } from '../pki/leaf-extensions.ts';
import type { CaMaterial } from '../pki/store/ca-store.ts';
import { revocationUrls } from './pki.ts';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/store.ts';

/** The credential side of muster, over the CA loaded from the store. */
export interface CredentialServices {
  readonly ca: CaMaterial;
  readonly urls: RevocationUrls;
  readonly cards: CardService;
  readonly derived: DerivedService;
  readonly exceptions: ExceptionService;
}

interface Parts {
  readonly config: MusterConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
}

/** Binding notifications: a Maildir (default <dataDir>/mail), plus a webhook when configured. */
export function notifierFor(config: MusterConfig): Notifier {
  const dir = config.credentials.notifications.maildir ?? (config.dataDir === ':memory:' ? join(tmpdir(), 'muster-mail') : join(config.dataDir, 'mail'));
  const maildir = new MaildirNotifier(dir);
  const webhook = config.credentials.notifications.webhook;
  return webhook ? new FanOutNotifier([maildir, new WebhookNotifier(webhook, agencyFetch({ ranges: config.outbound.agencyNetworks }))]) : maildir;
}

async function webauthnPolicy(config: MusterConfig): Promise<WebAuthnPolicy> {
  const w = config.credentials.webauthn;
  const roots = await Promise.all(
    w.attestationRoots.map((file, i) =>
      readFile(file, 'utf8').catch((error: unknown) => {
        throw new MusterError('MUSTER_ERR_CONFIG', `cannot read credentials.webauthn.attestationRoots[${i}] ${file}: ${(error as Error).message}`, [
          { key: `credentials.webauthn.attestationRoots[${i}]`, message: 'unreadable' },
        ]);
      }),
    ),
  );
  return { rpId: w.rpId, rpName: w.rpName, origins: w.origins, attestationRoots: roots, requireTrustedAttestation: w.requireTrustedAttestation, aal3Aaguids: w.aal3Aaguids };
}

async function keyAttestationRoots(config: MusterConfig): Promise<string[]> {
  return Promise.all(
    config.credentials.keyAttestationRoots.map((file, i) =>
      readFile(file, 'utf8').catch((error: unknown) => {
        throw new MusterError('MUSTER_ERR_CONFIG', `cannot read credentials.keyAttestationRoots[${i}] ${file}: ${(error as Error).message}`, [
          { key: `credentials.keyAttestationRoots[${i}]`, message: 'unreadable' },
        ]);
      }),
    ),
  );
}

export async function createCredentialServices(parts: Parts, ca: CaMaterial): Promise<CredentialServices> {
  const { config, store, clock, audit } = parts;
  const urls = revocationUrls(config);
  const c = config.credentials;
  const cardDeps: CardDeps = {
    store,
    clock,
    audit,
    ca: ca.issuing,
    urls,
    agencyCode: config.agency.code,
    agencyName: config.agency.name,
    systemCode: c.systemCode,
    reviewDays: c.reviewDays,
    cascadeToDerived: c.cascadeToDerived,
  };
  return {
    ca,
    urls,
    cards: new CardService(cardDeps),
    derived: new DerivedService({
      ...cardDeps,
      challengeSeconds: c.challengeSeconds,
      recheckDays: c.recheckDays,
      webauthn: await webauthnPolicy(config),
      keyAttestationRoots: await keyAttestationRoots(config),
    }),
    exceptions: new ExceptionService({ store, clock, audit, maxDays: c.exceptionMaxDays }),
  };
}
