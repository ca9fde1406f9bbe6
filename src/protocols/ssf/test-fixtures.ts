import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, type JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { AgreementService } from '../../federation/agreements.ts';
import { recordRpUse } from '../../federation/rp-subjects.ts';
import type { Muster } from '../../runtime/context.ts';
import type { Store } from '../../store/store.ts';

export interface RpKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function rpKey(kid: string): Promise<RpKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export interface TestRp {
  readonly clientId: string;
  readonly key: RpKey;
  readonly signalEndpoint?: string;
}

/** Test receivers listen on loopback, which muster pushes to only when the agreement allows a private network. */
export const LOOPBACK_RECEIVER = { allowPrivateNetwork: true, privateNetworkReason: 'the test receiver listens on loopback' } as const;

/** Saves an active agreement for the RPs listing `signals` (short names). */

export async function saveAgreement(ctx: Pick<Muster, 'store' | 'audit' | 'clock'>, id: string, rps: readonly TestRp[], signals: readonly string[]): Promise<void> {
  const document = {
    name: `Agreement ${id}`,
    population: { agencyCodes: ['9700'] },
    idp: { issuer: 'http://127.0.0.1:8080/oidc', home: true },
    relyingParties: rps.map((rp) => ({
      clientId: rp.clientId,
      name: rp.clientId,
      redirectUris: [`https://${rp.clientId}.example.gov/cb`],
      jwks: { keys: [rp.key.publicJwk] },
      ...(rp.signalEndpoint ? { signalEndpoint: rp.signalEndpoint, ...LOOPBACK_RECEIVER } : {}),
    })),
    signals: signals.map((event) => ({ event, action: 'review' })),
  };
  await new AgreementService(ctx).save(id, document, 'test:setup', 'test agreement');
}

/** A bearer assertion of the RP for the transmitter (iss = sub = client id, aud = issuer, 2 minutes, fresh jti). */
export async function receiverAssertion(rp: TestRp, issuer: string, now: Date, over: { exp?: number; jti?: string; aud?: string } = {}): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: rp.key.publicJwk.kid as string })
    .setIssuer(rp.clientId)
    .setSubject(rp.clientId)
    .setAudience(over.aud ?? issuer)
    .setIssuedAt(iat)
    .setExpirationTime(over.exp ?? iat + 120)
    .setJti(over.jti ?? randomUUID())
    .sign(rp.key.privateKey);
}

export async function insertIdentity(store: Store, at: Date, status = 'active'): Promise<string> {
  const id = randomUUID();
  await store.query(`INSERT INTO identities (id, kind, status, attributes, provenance, last_updated, created_at, updated_at) VALUES ($1, 'person', $2, '{}', '[]', $3, $3, $3)`, [id, status, at]);
  return id;
}

/** The identity signed in at the RP under `sub`. */
export async function knownTo(store: Store, identityId: string, clientId: string, sub: string, at: Date): Promise<void> {
  await recordRpUse(store, identityId, clientId, sub, at);
}

/** A domain event as the MUR writes it, with its id. */
export async function insertEvent(store: Store, type: string, identityId: string, payload: Record<string, unknown>, at: Date): Promise<number> {
  const [row] = await store.query<{ id: string }>("INSERT INTO events (type, identity_id, payload, correlation_id, occurred_at) VALUES ($1, $2, $3, 'test', $4) RETURNING id", [
    type,
    identityId,
    payload,
    at,
  ]);
  return Number(row!.id);
}

export interface Received {
  readonly body: string;
  readonly headers: IncomingMessage['headers'];
}

/** A real push receiver (node:http): answers each request with the next scripted reply (202 once the script runs out). */
export class PushReceiver {
  readonly received: Received[] = [];
  readonly #script: { status: number; body?: unknown }[];
  #server: Server | undefined;

  constructor(script: { status: number; body?: unknown }[] = []) {
    this.#script = [...script];
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        const reply = this.#script.shift() ?? { status: 202 };
        res.writeHead(reply.status, reply.body ? { 'content-type': 'application/json' } : {});
        res.end(reply.body ? JSON.stringify(reply.body) : undefined);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}/events`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }
}
