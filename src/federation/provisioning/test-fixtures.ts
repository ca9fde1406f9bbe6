// Test fixtures for provisioning to relying parties: a provisioning agreement, a recorder in front of the SCIM
// service that keeps every request body, and the jobs the outbox planner queues for identity events.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '../../store/store.ts';
import { FEDERATION_PROVISION_JOB } from './job.ts';

/** The identity events `federation.provision` is queued for. */
export const PROVISIONED_EVENTS = [
  'identity.joiner',
  'identity.activated',
  'identity.updated',
  'identity.mover',
  'identity.leaver',
  'identity.leave',
  'identity.suspended',
  'identity.return',
  'identity.rehire',
  'identity.disabled',
];

/** A trust agreement document with one relying party that has a SCIM service; `over` merged at the top. */
export function provisioningAgreement(baseUrl: string, bearerTokenFile: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Travel booking',
    population: { agencyCodes: ['9700'] },
    idp: { issuer: 'https://idp.agency.example/oidc', home: true },
    relyingParties: [
      {
        clientId: 'travel-app',
        name: 'Travel booking',
        redirectUris: ['https://travel.agency.example/callback'],
        jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] },
        scim: { baseUrl, bearerTokenFile },
      },
    ],
    attributes: [{ name: 'name', purpose: 'to show travellers their bookings' }],
    provisioning: { allowed: true, reason: 'travel is booked for staff before they first sign in' },
    ...over,
  };
}

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

export interface Recorder {
  readonly baseUrl: string;
  readonly requests: Recorded[];
  /** Answers 400 to any body for which `refuse` is true, without passing it on. */
  refuseWhen(refuse: ((body: string) => boolean) | null): void;
  stop(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** An HTTP recorder in front of a SCIM service: every request passes through unchanged, its body kept. */
export async function startRecorder(upstream: string): Promise<Recorder> {
  const requests: Recorded[] = [];
  const root = new URL(upstream);
  let refuse: ((body: string) => boolean) | null = null;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await bodyOf(req);
      const path = (req.url ?? '/').replace(/^\/scim\/v2/, '');
      requests.push({ method: req.method ?? 'GET', path, body });
      if (refuse?.(body)) {
        res
          .writeHead(400, { 'content-type': 'application/scim+json' })
          .end(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidSyntax', detail: 'unknown schema' }));
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers)
          .filter(([k]) => !['host', 'content-length', 'connection'].includes(k))
          .map(([k, v]) => [k, String(v)]),
      );
      const answer = await fetch(`${root.origin}${root.pathname}${path}`, { method: req.method, headers, ...(body ? { body } : {}) });
      res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([k]) => !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k))));
      res.end(Buffer.from(await answer.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`,
    requests,
    refuseWhen: (r) => {
      refuse = r;
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Makes sure every identity event has its `federation.provision` job (the outbox planner queues them); how many are pending. */
export async function queueProvisionJobs(store: Store): Promise<number> {
  await store.query(
    `INSERT INTO jobs (kind, idempotency_key, payload, status, run_after, event_id, created_at, updated_at)
     SELECT $1, $1 || ':' || e.id, jsonb_build_object('eventId', e.id, 'identityId', e.identity_id, 'type', e.type), 'pending', e.occurred_at, e.id, e.occurred_at, e.occurred_at
     FROM events e WHERE e.type = ANY($2) ON CONFLICT (idempotency_key) DO NOTHING`,
    [FEDERATION_PROVISION_JOB, PROVISIONED_EVENTS],
  );
  const [row] = await store.query<{ pending: number }>(`SELECT count(*)::int AS pending FROM jobs WHERE kind = $1 AND status = 'pending'`, [FEDERATION_PROVISION_JOB]);
  return row?.pending ?? 0;
}
