// OpenID Connect Back-Channel Logout 1.0 end to end: relying parties (openid-client 6) sign in at muster's OP; when
// the lifecycle ends the sessions (a leaver, a card revoked), a receiver on loopback gets a logout token it verifies
// with jose against the OP's JWKS: typ logout+jwt, the back-channel logout event, the RP's pairwise sub and the sid of
// its ID token, no nonce. Delivery is a durable job: retried with back-off when the RP is down, audited when delivered.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import * as client from 'openid-client';
import { MaildirNotifier } from '../../src/connectors/notify/index.ts';
import { lockCredential } from '../../src/credentials/credential-repository.ts';
import { applyTransition } from '../../src/credentials/transition.ts';
import { AgreementService } from '../../src/federation/agreements.ts';
import { accessTargets } from '../../src/lifecycle/access/targets.ts';
import { identityByKey, testWorker } from '../../src/lifecycle/test-fixtures.ts';
import { BACKCHANNEL_LOGOUT_EVENT, BACKCHANNEL_LOGOUT_JOB } from '../../src/protocols/oidc/backchannel-logout.ts';
import { browse, startTestOp, testCredential, type TestOp } from '../../src/protocols/oidc/test-support.ts';
import { lifecycleHandlers } from '../../src/runtime/job-handlers.ts';
import { hrCsv, hrLine, useHarness } from '../support/muster.ts';
import { describeEachStore } from '../support/stores.ts';

/** A back-channel logout endpoint on loopback: verifies each token against the OP's JWKS and keeps its claims. */
interface Receiver {
  readonly url: string;
  readonly received: { claims: JWTPayload; typ: string | undefined }[];
  /** Answers to give before answering 200 (e.g. 503 while "down"). */
  readonly failNext: number[];
  close(): Promise<void>;
}

async function startReceiver(issuer: () => string, audience: string, now: () => Date): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const failNext: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const failure = failNext.shift();
        if (failure) {
          res.writeHead(failure).end();
          return;
        }
        const token = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('logout_token') ?? '';
        try {
          const jwks = createRemoteJWKSet(new URL(`${issuer()}/jwks`));
          const { payload } = await jwtVerify(token, jwks, { issuer: issuer(), audience, typ: 'logout+jwt', maxTokenAge: '2m', currentDate: now() });
          received.push({ claims: payload, typ: decodeProtectedHeader(token).typ });
          res.writeHead(200, { 'cache-control': 'no-store' }).end();
        } catch (error) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_request', error_description: (error as Error).message }));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel-logout`,
    received,
    failNext,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describeEachStore('back-channel logout when the lifecycle ends sessions', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  let op: TestOp;
  let receiver: Receiver;
  const ids: Record<string, string> = {};
  const cards: Record<string, string> = {};
  const keys: Record<string, { privateKey: CryptoKey; jwk: JWK }> = {};
  const redirect = (rp: string) => `http://127.0.0.1/${rp}/cb`;
  const worker = () =>
    testWorker(h, lifecycleHandlers({ notifier: new MaildirNotifier(join(h.dir, 'mail')), targets: accessTargets([]), config: h.config, vault: h.keyVault, issuer: () => op.issuer }));

  async function importHr(lines: string[]): Promise<void> {
    const run = await h.imports.run({ source: 'hr', file: await h.file(`hr-${Math.random()}.csv`, hrCsv(lines)), actor: 'hr.admin' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
  }

  async function drain(): Promise<void> {
    const w = worker();
    for (let round = 0; round < 20 && (await w.runOnce()).claimed > 0; round += 1);
  }

  before(async () => {
    h.clock.set(new Date());
    op = await startTestOp(h);
    receiver = await startReceiver(
      () => op.issuer,
      'rp-logout',
      () => h.clock.now(),
    );
    for (const rp of ['rp-logout', 'rp-quiet']) {
      const pair = await generateKeyPair('RS256', { extractable: true });
      keys[rp] = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: `${rp}-key`, alg: 'RS256', use: 'sig' } };
    }
    await importHr([hrLine('E1'), hrLine('E2'), hrLine('E3')]);
    for (const key of ['E1', 'E2', 'E3']) {
      ids[key] = (await identityByKey(h.store, 'employee_id', key)).id;
      cards[key] = await testCredential(h, ids[key] as string);
    }
    const entry = (clientId: string, over: Record<string, unknown> = {}) => ({ clientId, name: clientId, redirectUris: [redirect(clientId)], jwks: { keys: [keys[clientId]!.jwk] }, ...over });
    await new AgreementService(h).save(
      'logout',
      {
        name: 'logout',
        population: { agencyCodes: ['9700'] },
        idp: { issuer: op.issuer, home: true },
        relyingParties: [
          entry('rp-logout', { backchannelLogoutUri: receiver.url, backchannelLogoutSessionRequired: true, allowPrivateNetwork: true, privateNetworkReason: 'the test RP listens on loopback' }),
          entry('rp-quiet'),
        ],
      },
      'admin',
      'test',
    );
    await drain();
  });

  after(async () => {
    await receiver?.close();
    await op?.close();
  });

  async function signIn(clientId: string, identity: string, jar = new Map<string, string>()): Promise<client.IDToken> {
    const config = await client.discovery(new URL(op.issuer), clientId, {}, client.PrivateKeyJwt(keys[clientId]!.privateKey), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    op.next = { identityId: ids[identity] as string, credentialId: cards[identity] as string };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirect(clientId),
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
    });
    const callback = await browse(url, (u) => u.href.startsWith(redirect(clientId)), jar);
    return (await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce })).claims()!;
  }

  const audits = (action: string) => h.store.query<{ data: Record<string, unknown> }>('SELECT data FROM audit_log WHERE action = $1 ORDER BY seq', [action]);

  test('a leaver: the RP that registered a logout URI gets a verified logout token with its sub and the sid of its ID token', async () => {
    const jar = new Map<string, string>();
    const idToken = await signIn('rp-logout', 'E1', jar);
    await signIn('rp-quiet', 'E1', jar);
    assert.equal(typeof idToken.sid, 'string', 'backchannelLogoutSessionRequired puts sid in the ID token');
    await importHr([hrLine('E1', { status: 'terminated' }), hrLine('E2'), hrLine('E3')]);
    await drain();
    assert.equal(receiver.received.length, 1, 'one token, to the one RP with a logout URI');
    const { claims, typ } = receiver.received[0]!;
    assert.equal(typ, 'logout+jwt');
    assert.deepEqual(claims.events, { [BACKCHANNEL_LOGOUT_EVENT]: {} });
    assert.equal(claims.sub, idToken.sub);
    assert.equal(claims.sid, idToken.sid);
    assert.equal(claims.aud, 'rp-logout');
    assert.equal(claims.nonce, undefined);
    assert.equal(typeof claims.jti, 'string');
    const [ended] = await audits('oidc.sessions.ended');
    assert.deepEqual(
      (ended?.data.backchannel_logouts as { client_id: string }[] | undefined)?.map((l) => l.client_id),
      ['rp-logout'],
    );
    const delivered = await audits('oidc.logout.delivered');
    assert.deepEqual(
      delivered.map((d) => [d.data.client_id, d.data.jti]),
      [['rp-logout', claims.jti]],
    );
  });

  test('a card revoked: its sessions end and the RP is logged out; an RP that is down gets the token on a later attempt', async () => {
    const idToken = await signIn('rp-logout', 'E2');
    receiver.failNext.push(503);
    await h.store.transaction(async (tx) => {
      const card = await lockCredential(tx, cards.E2 as string);
      const changes = await applyTransition(tx, { operation: 'terminate', credentials: [card!], actor: 'cms', why: 'card reported stolen', revocationReason: 'keyCompromise', now: h.clock.now() });
      await changes.commit(tx, { now: h.clock.now(), correlationId: 'card-stolen', audit: h.audit });
    });
    await drain();
    assert.equal(receiver.received.length, 1, 'the first attempt met a 503');
    const [job] = await h.store.query<{ status: string; attempts: number; last_error: string }>("SELECT status, attempts, last_error FROM jobs WHERE kind = $1 AND payload ->> 'identityId' = $2", [
      BACKCHANNEL_LOGOUT_JOB,
      ids.E2,
    ]);
    assert.deepEqual([job?.status, job?.attempts], ['pending', 1]);
    assert.match(job?.last_error ?? '', /503/);
    h.clock.advance(120_000);
    await drain();
    assert.equal(receiver.received.length, 2);
    const { claims } = receiver.received[1]!;
    assert.deepEqual([claims.sub, claims.sid], [idToken.sub, idToken.sid]);
    const [login] = await h.store.query<{ ended_at: Date | null }>('SELECT ended_at FROM oidc_logins WHERE identity_id = $1', [ids.E2]);
    assert.ok(login?.ended_at, 'the sign-in with the revoked card ended');
    assert.equal((await audits('oidc.logout.delivered')).length, 2);
  });

  test('a card on hold: the RP that refuses the token (400) is not asked again, and the refusal is audited', async () => {
    await signIn('rp-logout', 'E3');
    receiver.failNext.push(400);
    await h.store.transaction(async (tx) => {
      const card = await lockCredential(tx, cards.E3 as string);
      const changes = await applyTransition(tx, { operation: 'suspend', credentials: [card!], actor: 'cms', why: 'card reported lost', now: h.clock.now() });
      await changes.commit(tx, { now: h.clock.now(), correlationId: 'card-lost', audit: h.audit });
    });
    await drain();
    const [job] = await h.store.query<{ status: string; attempts: number }>("SELECT status, attempts FROM jobs WHERE kind = $1 AND payload ->> 'identityId' = $2", [BACKCHANNEL_LOGOUT_JOB, ids.E3]);
    assert.deepEqual([job?.status, job?.attempts], ['done', 1]);
    const refused = await audits('oidc.logout.refused');
    assert.deepEqual(
      refused.map((r) => r.data.client_id),
      ['rp-logout'],
    );
    assert.equal(receiver.received.length, 2, 'nothing more was accepted');
  });
});
