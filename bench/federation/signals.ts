// From an HR termination to the SET accepted by a receiving relying party: muster/rp's push receiver (RFC 8935,
// signature checked against the transmitter's JWKS) on a loopback port, the demo people known to the RP under their
// pairwise subjects, one HR leaver event at a time through the admin API. The floor beside it: a SET signed and
// pushed to the same receiver directly.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import { pairwiseSubject } from '../../src/federation/subjects.ts';
import { recordRpUse } from '../../src/federation/rp-subjects.ts';
import { MemoryAccountStore, MemoryRecorder, MemorySessionStore, createSignalReceiver, parseAgreements } from '../../src/rp/index.ts';
import { startJobWorker } from '../../src/runtime/workers.ts';
import { startSignalDelivery } from '../../src/runtime/ssf.ts';
import { BENCH_CLIENT, type MusterIdp } from './muster.ts';

interface Receiver {
  readonly url: string;
  /** Resolves when a SET about `sub` has been accepted. */
  arrival(sub: string): Promise<void>;
  close(): Promise<void>;
}

async function startReceiver(issuer: string, audience: string): Promise<Receiver> {
  const waiting = new Map<string, () => void>();
  const services = { accounts: new MemoryAccountStore(), sessions: new MemorySessionStore(), notifier: new MemoryRecorder(), log: new MemoryRecorder() };
  const agreements = parseAgreements([
    {
      id: 'home',
      issuer,
      homeAgencies: ['agency_code:9700'],
      minFal: 'fal2',
      minAal: 'aal2',
      maxAuthenticationAgeSeconds: 43_200,
      attributes: [],
      signals: { 'account-disabled': 'disable-account', 'session-revoked': 'end-sessions' },
    },
  ]);
  const receiver = createSignalReceiver({ issuer, audience, agreements, services, allowInsecureHttp: true });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on(
      'end',
      () =>
        void receiver.receive({ body: Buffer.concat(chunks).toString('utf8'), contentType: req.headers['content-type'] }).then((answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body ? JSON.stringify(answer.body) : undefined);
          if (answer.status !== 202) return;
          const sub = subjectOf(Buffer.concat(chunks).toString('utf8'));
          if (sub) waiting.get(sub)?.();
        }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/signals`,
    arrival: (sub) => new Promise((resolve) => waiting.set(sub, resolve)),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function subjectOf(compact: string): string | undefined {
  const claims = JSON.parse(Buffer.from(compact.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub_id?: { sub?: string } };
  return claims.sub_id?.sub;
}

/** Makes `count` active demo people known to the RP (as if they had signed in); their employee ids and subjects. */
async function knownPeople(idp: MusterIdp, count: number): Promise<{ employeeId: string; sub: string }[]> {
  const { store, clock } = idp.muster;
  const rows = await store.query<{ id: string; employee_id: string }>(
    `SELECT id::text AS id, attributes->'employee_id'->>'v' AS employee_id FROM identities
      WHERE status = 'active' AND attributes ? 'employee_id' AND id NOT IN (SELECT identity_id FROM credentials) ORDER BY id DESC LIMIT $1`,
    [count],
  );
  return Promise.all(
    rows.map(async (r) => {
      const sub = await pairwiseSubject(store, r.id, '127.0.0.1', clock.now());
      await recordRpUse(store, r.id, BENCH_CLIENT, sub, clock.now());
      return { employeeId: r.employee_id, sub };
    }),
  );
}

/** Waits until the outbox holds no due job (the demo agency's seeding queues thousands), so each run starts idle. */
async function backlogDone(idp: MusterIdp): Promise<void> {
  for (;;) {
    const [row] = await idp.muster.store.query<{ due: number }>("SELECT count(*)::int AS due FROM jobs WHERE status IN ('pending', 'running') AND run_after <= now()");
    if (row?.due === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function hrLeaver(idp: MusterIdp, employeeId: string): Promise<void> {
  const response = await fetch(`${idp.base}/api/sources/hr/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${idp.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'leaver', effectiveAt: new Date().toISOString(), record: { employee_id: employeeId, status: 'terminated' } }),
  });
  if (!response.ok) throw new Error(`HR event ${employeeId}: ${response.status} ${await response.text()}`);
}

export interface SignalLatencies {
  readonly muster: number[];
  readonly direct: number[];
}

/** Milliseconds from each accepted HR termination to the SET accepted by the RP, and the direct floor; sorted. */
export async function terminationToSet(idp: MusterIdp, clientJwk: Parameters<MusterIdp['saveAgreement']>[0], count: number): Promise<SignalLatencies> {
  const receiver = await startReceiver(idp.issuer, BENCH_CLIENT);
  await idp.saveAgreement(clientJwk, receiver.url);
  const stopJobs = startJobWorker(idp.muster, { batchSize: 50 });
  const delivery = startSignalDelivery(idp.muster);
  try {
    await backlogDone(idp);
    const people = await knownPeople(idp, count);
    const muster: number[] = [];
    for (const person of people) {
      const arrived = receiver.arrival(person.sub);
      const started = performance.now();
      await hrLeaver(idp, person.employeeId);
      await withinDeadline(arrived, () => undeliveredReason(idp));
      muster.push(performance.now() - started);
    }
    return { muster: muster.sort((a, b) => a - b), direct: await directPushes(receiver, Math.min(count, 200)) };
  } finally {
    await delivery.stop();
    await stopJobs?.();
    await receiver.close();
  }
}

/** A SET that has not arrived in 30 s will not: the bench stops with the transmitter's own last error instead of waiting. */
async function withinDeadline(arrived: Promise<void>, reason: () => Promise<string>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => void reason().then((why) => reject(new Error(`no SET reached the receiver within 30 s: ${why}`))), 30_000);
  });
  try {
    await Promise.race([arrived, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function undeliveredReason(idp: MusterIdp): Promise<string> {
  const [row] = await idp.muster.store.query<{ last_error: string | null }>("SELECT last_error FROM ssf_events WHERE state <> 'delivered' ORDER BY seq DESC LIMIT 1");
  return row?.last_error ?? 'no SET is waiting for delivery';
}

/** The floor: a SET signed here and pushed straight to a receiver that trusts this key (same receiver code). */
async function directPushes(muster: Receiver, count: number): Promise<number[]> {
  await muster.close();
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'direct', alg: 'RS256', use: 'sig' };
  const keys = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(keys.address() as AddressInfo).port}`;
  keys.removeAllListeners('request');
  keys.on('request', (req, res) => {
    const body = req.url?.startsWith('/.well-known/ssf-configuration') ? { spec_version: '1_0', issuer, jwks_uri: `${issuer}/jwks` } : { keys: [jwk] };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  const receiver = await startReceiver(issuer, BENCH_CLIENT);
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const sub = `direct-${i}`;
      const arrived = receiver.arrival(sub);
      const started = performance.now();
      const set = await new SignJWT({ sub_id: { format: 'iss_sub', iss: issuer, sub }, events: { 'https://schemas.openid.net/secevent/risc/event-type/account-disabled': {} } })
        .setProtectedHeader({ alg: 'RS256', kid: 'direct', typ: 'secevent+jwt' })
        .setIssuer(issuer)
        .setAudience(BENCH_CLIENT)
        .setIssuedAt()
        .setJti(randomUUID())
        .sign(privateKey);
      await fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt', accept: 'application/json' }, body: set });
      await arrived;
      samples.push(performance.now() - started);
    }
  } finally {
    await receiver.close();
    await new Promise<void>((resolve) => {
      keys.close(() => resolve());
      keys.closeAllConnections();
    });
  }
  return samples.sort((a, b) => a - b);
}
