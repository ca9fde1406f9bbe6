// muster as the home IdP for the federation benchmarks: a fresh PostgreSQL database seeded with the demo agency,
// the OP on a loopback port with its mutual-TLS listener and the real sign-in pages, one demo person holding a
// software PIV card, and a trust agreement for the benchmark's relying party (allowlisted, FAL2, private_key_jwt).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { testOperator } from '../../src/operators/test-operators.ts';
import { loadConfig } from '../../src/config/load.ts';
import { AgreementService } from '../../src/federation/agreements.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { serveHttp } from '../../src/http/serve.ts';
import { signInPages } from '../../src/http/sign-in/index.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { issueDemoPivCard } from '../../src/runtime/demo-piv.ts';
import { seedDemoAgency } from '../../src/runtime/demo-seed.ts';
import { startFederation } from '../../src/runtime/federation.ts';
import { federationIssuer } from '../../src/federation/issuer.ts';
import { freshDatabase } from '../database.ts';
import { freePort } from '../../test/support/ports.ts';

export const BENCH_CLIENT = 'bench-rp';
export const BENCH_REDIRECT = 'http://127.0.0.1:9/callback';
const CARD_PASSWORD = 'bench';

export interface MusterIdp {
  readonly muster: Muster;
  readonly base: string;
  readonly issuer: string;
  readonly mtlsOrigin: string;
  /** An admin API token. */
  readonly token: string;
  /** The software PIV card (PKCS#12) of the demo person who signs in. */
  readonly card: { readonly key: string; readonly cert: string };
  saveAgreement(clientJwk: JWK, signalEndpoint?: string): Promise<void>;
  close(): Promise<void>;
}

/** The card's key and certificate as PEM, read once with OpenSSL (a browser holds the key; it does not parse PKCS#12 per sign-in). */
function pemOf(pkcs12: string): { key: string; cert: string } {
  const pem = execFileSync('openssl', ['pkcs12', '-in', pkcs12, '-passin', `pass:${CARD_PASSWORD}`, '-nodes', '-clcerts'], { encoding: 'utf8' });
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(pem)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!key || !cert) throw new Error(`no key or certificate in ${pkcs12}`);
  return { key: `${key}\n`, cert: `${cert}\n` };
}

/** A demo person with favourable vetting: the first active employee a card can be issued to. */
async function cardHolder(muster: Muster, out: string): Promise<{ key: string; cert: string }> {
  const rows = await muster.store.query<{ employee_id: string }>(
    `SELECT attributes->'employee_id'->>'v' AS employee_id FROM identities WHERE status = 'active' AND attributes ? 'employee_id' ORDER BY id LIMIT 50`,
  );
  for (const { employee_id: id } of rows) {
    try {
      const issued = await issueDemoPivCard(muster, id, out, CARD_PASSWORD, { actor: 'operator:0ff1ce00-0000-4000-8000-000000000001', correlationId: 'bench-card' });
      return pemOf(issued.files.pivAuth);
    } catch {
      // not eligible (vetting, status): the next one
    }
  }
  throw new Error('no demo person could be issued a card');
}

export async function startMusterIdp(database: string, options: { pollMs?: number } = {}): Promise<MusterIdp> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-federation-'));
  const pollMs = options.pollMs ?? 10;
  const port = await freePort();
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: join(dir, 'data'),
      databaseUrl: await freshDatabase(database),
      import: { massChangeShare: 1 },
      log: { level: 'silent' },
      server: { host: '127.0.0.1', port },
      workers: { pollMs },
      federation: { mtls: { port: 0 }, ssf: { pollMs } },
    },
  });
  const muster = await startMuster(config);
  await seedDemoAgency(muster, 'bench', 'bench-seed');
  const token = (await testOperator(muster, ['source-feed:hr'])).token;
  let op: (req: never, res: never) => boolean = () => false;
  const server = await serveHttp(createHttpApp(muster), { host: '127.0.0.1', port, before: [(req, res) => op(req as never, res as never)] });
  const issuer = federationIssuer(config);
  const interactions = signInPages({ store: muster.store, clock: muster.clock, audit: muster.audit, config, issuer, ca: () => muster.ca() });
  const federation = await startFederation(muster, { issuer, interactions });
  op = federation.listener as never;
  const card = await cardHolder(muster, join(dir, 'card'));
  return {
    muster,
    issuer,
    token,
    base: `http://127.0.0.1:${server.port}`,
    mtlsOrigin: federation.mtls.origin,
    card,
    async saveAgreement(clientJwk, signalEndpoint) {
      await new AgreementService(muster).save(
        'bench',
        {
          name: 'benchmark relying party',
          population: { agencyCodes: [config.agency.code] },
          idp: { issuer, home: true },
          consent: 'allowlisted',
          relyingParties: [
            {
              clientId: BENCH_CLIENT,
              name: 'benchmark RP',
              redirectUris: [BENCH_REDIRECT],
              jwks: { keys: [clientJwk] },
              fal: 'fal2',
              ...(signalEndpoint ? { signalEndpoint, allowPrivateNetwork: true, privateNetworkReason: 'the benchmark receiver listens on loopback' } : {}),
            },
          ],
          signals: [
            { event: 'account-disabled', action: 'disable-account' },
            { event: 'session-revoked', action: 'end-sessions' },
          ],
        },
        'bench',
        'benchmark',
      );
    },
    async close() {
      await federation.close();
      await server.close();
      await muster.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
