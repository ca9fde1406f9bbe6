// A whole muster for PIV federation tests, in process: the store, the admin HTTP app (with the home agency IdP
// record) and the OpenID Provider under `<base>/oidc` (or another issuer path) and its sign-in pages, the mutual-TLS
// listener, the outbox job worker and the SSF push worker, all running; demo-like people imported from an HR snapshot
// with favorable vetting. Beside it, the credentials a person signs in with (a software PIV card, a PKI-based Derived
// PIV credential, each as a PKCS#12) and relying parties registered under trust agreements.
import { execFile } from 'node:child_process';
import { freePort } from './ports.ts';
import { generateKeyPairSync, sign, webcrypto } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Clock, systemClock } from '../../src/core/clock.ts';
import { loadConfig } from '../../src/config/load.ts';
import { issuanceStaff, VETTING_HEADER } from '../../src/credentials/test-fixtures.ts';
import { type TestAttestationRoot, testAttestationRoot } from '../../src/credentials/derived/test-attestation.ts';
import type { CeremonyStart, DerivedCredential } from '../../src/credentials/derived/types.ts';
import type { RegistrationResponseJSON } from '../../src/credentials/derived/webauthn/index.ts';
import { AgreementService } from '../../src/federation/agreements.ts';
import { federationIssuer } from '../../src/federation/issuer.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { type RunningServer, serveHttp } from '../../src/http/serve.ts';
import type { JobWorker } from '../../src/lifecycle/worker.ts';
import { signInPages } from '../../src/http/sign-in/index.ts';
import type { RawListener } from '../../src/protocols/oidc/listener.ts';
import { buildPkcs12 } from '../../src/pki/pkcs12.ts';
import { Pkcs10CertificateRequestGenerator, X509Certificate } from '../../src/pki/x509.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { issueDemoPivCard } from '../../src/runtime/demo-piv.ts';
import { type RunningFederation, discoveryDocument, startFederation } from '../../src/runtime/federation.ts';
import { federationRecordRoutes } from '../../src/http/routes/federation-record.ts';
import { startPkiServing } from '../../src/runtime/pki-serving.ts';
import { type ConsoleSetup, startConsole } from '../../src/runtime/console.ts';
import { consoleApp } from '../../src/web/index.ts';
import type { RouteModule } from '../../src/http/env.ts';
import { startProvisioning } from '../../src/runtime/provisioning.ts';
import { type SignalDelivery, startSignalDelivery } from '../../src/runtime/ssf.ts';
import { createJobWorker } from '../../src/runtime/workers.ts';
import type { DeliveryOutcome } from '../../src/protocols/ssf/delivery.ts';
import { hrCsv, hrLine } from './muster.ts';
import { pgliteFactory, type StoreFactory } from './stores.ts';

const run = promisify(execFile);
export const BY = { actor: 'operator:0ff1ce00-0000-4000-8000-000000000001', correlationId: 'federation-e2e' };
/** The people of the demo agency imported at start: employee id → HR fields beyond the defaults. */
export const PEOPLE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  E1: { given_name: 'Jane', family_name: 'Doe', email: 'jane.doe@demo.gov', component: 'Office of the CIO', department: 'Cloud Services' },
  E2: { given_name: 'Raj', family_name: 'Patel', email: 'raj.patel@demo.gov' },
  E3: { given_name: 'Ana', family_name: 'Lopez', email: 'ana.lopez@demo.gov' },
};

export interface FederatedMusterOptions {
  /** The store adapter; default PGlite in memory. */
  readonly store?: StoreFactory;
  /** Told about failures of the OP, the sign-in pages and the workers (default: they are kept in `errors`). */
  readonly onError?: (error: unknown) => void;
  /** Account targets (`targets` of the configuration); with them, the provisioning worker runs too. */
  readonly targets?: Readonly<Record<string, unknown>>;
  /** Access policies saved before the people are imported: name → document. */
  readonly policies?: Readonly<Record<string, unknown>>;
  /** The issuer's path on the admin app's origin: default `/oidc`; '' puts the OP at the host's root. */
  readonly issuerPath?: string;
  /** muster's clock (default the system clock). */
  readonly clock?: Clock;
  /** Mount the web console at /console and register it with the OP, as `muster serve` does (default false). */
  readonly console?: boolean;
  /** The mass-change guard's share (`import.massChangeShare`); default 1: no snapshot is held. */
  readonly massChangeShare?: number;
}

export interface FederatedMuster {
  readonly muster: Muster;
  /** The admin app's origin, which is also the issuer's: `http://localhost:<port>`. */
  readonly base: string;
  readonly issuer: string;
  /** Where the PIV sign-in path listens: `https://localhost:<port>`, certificate from muster's CA. */
  readonly mtlsOrigin: string;
  readonly agreements: AgreementService;
  readonly federation: RunningFederation;
  /** The outbox job worker, polling. */
  readonly worker: JobWorker;
  /** The SSF push worker, running. */
  readonly signals: SignalDelivery;
  /** Every push attempt the signal worker made, oldest first. */
  readonly pushes: DeliveryOutcome[];
  /** The device maker whose key attestations earn a hardware-backed (.41) Derived PIV certificate (credentials.keyAttestationRoots). */
  readonly keyAttestation: TestAttestationRoot;
  /** Identity ids of PEOPLE, by employee id. */
  readonly ids: Readonly<Record<string, string>>;
  /** muster's root and issuing CA certificates (PEM), for clients of the mutual-TLS listener. */
  readonly caPem: string;
  /** A temporary folder removed at close. */
  readonly dir: string;
  /** Failures reported by the running parts. */
  readonly errors: unknown[];
  /** The console's client and sessions, when started with `console: true`. */
  readonly console: ConsoleSetup | undefined;
  /** Imports the HR snapshot again with these employees' statuses changed (e.g. { E1: 'terminated' }). */
  hrSnapshot(statuses: Readonly<Record<string, string>>): Promise<void>;
  close(): Promise<void>;
}

function configFor(port: number, dir: string, keyAttestationRoot: string, issuerPath: string, targets: Readonly<Record<string, unknown>>, massChangeShare = 1) {
  const base = `http://localhost:${port}`;
  return loadConfig({
    env: {},
    overrides: {
      dataDir: ':memory:',
      server: { host: '127.0.0.1', port },
      pki: { baseUrl: `http://127.0.0.1:${port}` },
      import: { massChangeShare },
      targets,
      workers: { pollMs: 20 },
      federation: { oidc: { issuer: `${base}${issuerPath}` }, mtls: { port: 0 }, ssf: { pollMs: 20, retryBaseMs: 50 } },
      credentials: { webauthn: { rpId: 'localhost', rpName: 'Demo Agency', origins: [base] }, notifications: { maildir: join(dir, 'mail') }, keyAttestationRoots: [keyAttestationRoot] },
    },
  });
}

function hrSnapshotCsv(statuses: Readonly<Record<string, string>>): string {
  return hrCsv(Object.entries(PEOPLE).map(([id, fields]) => hrLine(id, { ...fields, status: statuses[id] ?? 'active' })));
}

async function importFile(muster: Muster, dir: string, source: string, name: string, content: string): Promise<void> {
  const file = join(dir, name);
  await writeFile(file, content);
  const result = await muster.imports.run({ source, file, actor: 'hr.admin' });
  if (result.status !== 'applied') throw new Error(`${source} import ${name} was ${result.status}: ${JSON.stringify(result.errors)}`);
}

async function importPeople(muster: Muster, dir: string): Promise<Record<string, string>> {
  await importFile(muster, dir, 'hr', 'hr-0.csv', hrSnapshotCsv({}));
  const vetting = Object.keys(PEOPLE).map((id) => `${id},favorable,current,Tier 3,2025-11-01,true`);
  await importFile(muster, dir, 'vetting', 'vetting.csv', `${[VETTING_HEADER, ...vetting].join('\n')}\n`);
  const rows = await muster.store.query<{ id: string; key: string }>(`SELECT id::text AS id, attributes->'employee_id'->>'v' AS key FROM identities`);
  return Object.fromEntries(rows.map((r) => [r.key, r.id]));
}

/**
 * Starts muster as `muster serve` does (admin app and OP on one port, mutual-TLS listener, CRL and OCSP), plus the
 * job worker and the push worker, over a fresh store with PEOPLE imported and vetted.
 */
export async function startFederatedMuster(options: FederatedMusterOptions = {}): Promise<FederatedMuster> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-federation-'));
  const errors: unknown[] = [];
  const onError = options.onError ?? ((error: unknown) => void errors.push(error));
  const port = await freePort();
  const keyAttestation = await testAttestationRoot(systemClock, 'CN=Demo Device Attestation Root');
  const keyAttestationRoot = join(dir, 'key-attestation-root.pem');
  await writeFile(keyAttestationRoot, keyAttestation.rootPem);
  const config = configFor(port, dir, keyAttestationRoot, options.issuerPath ?? '/oidc', options.targets ?? {}, options.massChangeShare);
  const muster = await startMuster(config, { store: await (options.store ?? pgliteFactory).open(), clock: options.clock ?? systemClock });
  await issuanceStaff(muster);
  const stops: (() => Promise<void>)[] = [() => muster.close(), () => rm(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const stop of stops.splice(0)) await stop().catch(onError);
  };
  try {
    for (const [name, doc] of Object.entries(options.policies ?? {})) await muster.policies.save(name, doc, 'policy.admin', 'access for the federation tests');
    const ids = await importPeople(muster, dir);
    const pki = await startPkiServing(muster, onError);
    stops.unshift(() => pki.stop());
    let op: RawListener = () => false;
    const issuer = federationIssuer(config);
    const records = federationRecordRoutes({ issuer: () => issuer, discovery: () => discoveryDocument(issuer) });
    let consoleSetup: ConsoleSetup | undefined;
    const pages = consoleApp({ setup: () => consoleSetup, muster, store: muster.store, clock: muster.clock, agencyCode: config.agency.code, onError });
    const mounts: RouteModule[] = options.console ? [records, (app) => void app.route('/', pages)] : [records];
    const server: RunningServer = await serveHttp(createHttpApp(muster, mounts, { onServerError: onError }), { host: '127.0.0.1', port, before: [pki.listener, (req, res) => op(req, res)] });
    stops.unshift(() => server.close());
    const interactions = signInPages({ store: muster.store, clock: muster.clock, audit: muster.audit, config, issuer, ca: () => muster.ca(), onError });
    const federation = await startFederation(muster, { interactions, onError });
    op = federation.listener;
    stops.unshift(() => federation.close());
    if (options.console) consoleSetup = await startConsole(muster, federation.issuer);
    const worker = createJobWorker(muster, { onError });
    worker.start();
    stops.unshift(() => worker.stop());
    const provisioning = startProvisioning(muster, { pollMs: 20 });
    if (provisioning) stops.unshift(() => provisioning.stop());
    const pushes: DeliveryOutcome[] = [];
    const signals = startSignalDelivery(muster, { onOutcome: (outcome) => void pushes.push(outcome), onError });
    stops.unshift(() => signals.stop());
    const ca = await muster.ca();
    let snapshots = 0;
    return {
      muster,
      keyAttestation,
      base: `http://localhost:${port}`,
      issuer: federation.issuer,
      mtlsOrigin: federation.mtls.origin,
      federation,
      worker,
      signals,
      pushes,
      ids,
      dir,
      errors,
      console: consoleSetup,
      agreements: new AgreementService({ store: muster.store, audit: muster.audit, clock: muster.clock }),
      caPem: `${ca.issuing.certificate.toString('pem')}\n${ca.root.certificate.toString('pem')}\n`,
      hrSnapshot: (statuses) => importFile(muster, dir, 'hr', `hr-${++snapshots}.csv`, hrSnapshotCsv(statuses)),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A credential a person signs in with by TLS client certificate: the PKCS#12 and the same key and certificate in PEM. */
export interface CertificateCredential {
  readonly identityId: string;
  readonly credentialId: string;
  readonly pfx: Buffer;
  readonly passphrase: string;
  readonly keyPem: string;
  readonly certPem: string;
}

const PASSPHRASE = 'correct horse battery staple';

/** The private key in a PKCS#12, read by OpenSSL (as a card's middleware export would be read). */
async function keyOfPkcs12(file: string, passphrase: string): Promise<string> {
  const { stdout } = await run('openssl', ['pkcs12', '-in', file, '-nocerts', '-nodes', '-passin', `pass:${passphrase}`]);
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(stdout)?.[0];
  if (!key) throw new Error(`no private key in ${file}`);
  return key;
}

/** `muster demo piv`: a software PIV card (PIV Authentication key and certificate) for an employee, issued and activated. */
export async function issueSoftwarePivCard(fm: FederatedMuster, employeeId: string): Promise<CertificateCredential> {
  const out = join(fm.dir, `card-${employeeId}-${Date.now()}`);
  const issued = await issueDemoPivCard(fm.muster, employeeId, out, PASSPHRASE, BY);
  const certPem = issued.card.certificates.find((c) => c.profile === 'piv-auth')?.pem;
  if (!certPem) throw new Error('the card has no PIV Authentication certificate');
  return {
    identityId: issued.identityId,
    credentialId: issued.card.credentialId,
    pfx: await readFile(issued.files.pivAuth),
    passphrase: PASSPHRASE,
    keyPem: await keyOfPkcs12(issued.files.pivAuth, PASSPHRASE),
    certPem,
  };
}

/** The PIV Authentication proof of a binding ceremony: the card's key signs the challenge's bytes. */
function pivProof(card: CertificateCredential, start: CeremonyStart) {
  return {
    identityId: card.identityId,
    challengeId: start.challengeId,
    pivCertificate: card.certPem,
    signature: sign('sha256', Buffer.from(start.challenge, 'base64url'), card.keyPem).toString('base64'),
  };
}

/** A PKI-based Derived PIV credential bound after PIV Authentication with the card: a device key, its certificate, as a PKCS#12. */
export async function bindDerivedPki(fm: FederatedMuster, card: CertificateCredential, hardwareBacked = true): Promise<CertificateCredential> {
  const { derived, ca } = await fm.muster.credentials();
  const start = await derived.start(card.identityId, BY);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await Pkcs10CertificateRequestGenerator.create({ name: 'CN=Derived PIV device', keys, signingAlgorithm: algorithm });
  const keyAttestation = hardwareBacked ? { keyAttestation: await fm.keyAttestation.attest(csr.toString('pem')) } : {};
  const bound: DerivedCredential = await derived.bindPki({ ...pivProof(card, start), csr: csr.toString('pem'), hardwareBacked, ...keyAttestation }, BY);
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)
    ?.join('\n')}\n-----END PRIVATE KEY-----\n`;
  const certPem = bound.certificatePem as string;
  const chain = [certPem, ca.issuing.certificate.toString('pem'), ca.root.certificate.toString('pem')];
  const pfx = Buffer.from(buildPkcs12({ keyPem, certificates: chain.map((p) => new Uint8Array(new X509Certificate(p).rawData)), password: PASSPHRASE, friendlyName: 'Derived PIV Authentication' }));
  return { identityId: card.identityId, credentialId: bound.credentialId, pfx, passphrase: PASSPHRASE, keyPem, certPem };
}

/** A FIDO2 Derived PIV binding under way: the creation options for the authenticator, and the step that binds its answer. */
export interface Fido2Binding {
  readonly options: CeremonyStart['webauthn'];
  finish(registration: RegistrationResponseJSON): Promise<DerivedCredential>;
}

export async function startFido2Binding(fm: FederatedMuster, card: CertificateCredential): Promise<Fido2Binding> {
  const { derived } = await fm.muster.credentials();
  const start = await derived.start(card.identityId, BY);
  return { options: start.webauthn, finish: (registration) => derived.bindFido2({ ...pivProof(card, start), registration }, BY) };
}

/** An RSA key pair for a relying party's private_key_jwt: the private key in PEM and the public JWK. */
export function rpKeyPair(kid: string): { privatePem: string; privateJwk: Record<string, unknown>; publicJwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const meta = { kid, alg: 'RS256', use: 'sig' };
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateJwk: { ...privateKey.export({ format: 'jwk' }), ...meta },
    publicJwk: { ...publicKey.export({ format: 'jwk' }), ...meta },
  };
}

export interface RelyingPartyEntry {
  readonly clientId: string;
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly jwks: { keys: readonly Record<string, unknown>[] };
  readonly signalEndpoint?: string;
  readonly postLogoutRedirectUris?: readonly string[];
  readonly fal?: 'fal2' | 'fal3';
  readonly boundAuthenticator?: 'idp' | 'rp';
}

/** What every agreement of these tests says beyond its relying party: the demo agency, the two attributes, the leaver signals. */
export interface AgreementTerms {
  readonly consent?: 'runtime' | 'allowlisted';
  readonly signals?: readonly { event: string; action: string }[];
  /** Attributes released beside name and email. */
  readonly moreAttributes?: readonly { name: string; purpose: string }[];
  /** Who of the population may sign in: `requested`, only holders of a granted `rp` catalogue item. */
  readonly access?: 'population' | 'requested';
}

export const LEAVER_SIGNALS = [
  { event: 'account-disabled', action: 'disable-account' },
  { event: 'session-revoked', action: 'end-sessions' },
  { event: 'credential-change', action: 'end-sessions' },
] as const;

/** Registers a relying party with muster's OP: a trust agreement of its own that lists it. */
export async function registerRelyingParty(fm: FederatedMuster, agreementId: string, rp: RelyingPartyEntry, terms: AgreementTerms = {}): Promise<void> {
  const document = {
    name: `${rp.name} agreement`,
    population: { agencyCodes: [fm.muster.config.agency.code] },
    idp: { issuer: fm.issuer, home: true },
    // every relying party of the tests listens on loopback, which muster refuses to push to unless the agreement allows it
    relyingParties: [
      {
        allowPrivateNetwork: true,
        privateNetworkReason: 'the test relying party listens on loopback',
        ...rp,
        redirectUris: [...rp.redirectUris],
        ...(rp.postLogoutRedirectUris ? { postLogoutRedirectUris: [...rp.postLogoutRedirectUris] } : {}),
      },
    ],
    attributes: [{ name: 'name', purpose: 'to greet you by name' }, { name: 'email', purpose: 'to send you notices about your account' }, ...(terms.moreAttributes ?? [])],
    signals: [...(terms.signals ?? LEAVER_SIGNALS)],
    consent: terms.consent ?? 'allowlisted',
    ...(terms.access ? { access: terms.access } : {}),
  };
  await fm.agreements.save(agreementId, document, 'admin.alice', `${rp.name} onboarding`);
}
