import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { describeEachStore } from '../../test/support/stores.ts';
import { waitUntil } from '../../test/support/wait.ts';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { SIGNAL_EVENTS } from '../core/federation/profile.ts';
import { federationIssuer } from '../federation/issuer.ts';
import { FEDERATION_SIGNAL_JOB, federationSignalHandler } from '../protocols/ssf/signals/handler.ts';
import type { Job } from '../lifecycle/jobs.ts';
import type { DeliveryOutcome } from '../protocols/ssf/delivery.ts';
import { transmitterJwks } from '../protocols/ssf/keys.ts';
import { LOOPBACK_RECEIVER, PushReceiver, insertEvent, insertIdentity, knownTo, rpKey, saveAgreement } from '../protocols/ssf/test-fixtures.ts';
import { type Muster, startMuster } from './context.ts';
import { AgreementService } from '../federation/agreements.ts';
import { startSignalDelivery } from './ssf.ts';

const HOUR = 3_600_000;

describeEachStore('shared signals from lifecycle events, pushed', (factory) => {
  let ctx: Muster;
  let issuer: string;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const outcomes: DeliveryOutcome[] = [];
  const receivers: PushReceiver[] = [];

  const receiver = async (script: { status: number; body?: unknown }[] = []) => {
    const r = new PushReceiver(script);
    receivers.push(r);
    return { r, url: await r.start() };
  };
  const signalEvent = async (type: string, identityId: string, existing?: number): Promise<number> => {
    const eventId = existing ?? (await insertEvent(ctx.store, type, identityId, {}, clock.now()));
    const now = clock.now();
    const job: Job = {
      id: eventId,
      kind: FEDERATION_SIGNAL_JOB,
      idempotencyKey: `${FEDERATION_SIGNAL_JOB}:${eventId}`,
      payload: { eventId, identityId, type },
      status: 'running',
      attempts: 1,
      runAfter: now,
      lockedBy: 'test',
      lockedUntil: now,
      lastError: null,
      eventId,
      createdAt: now,
      updatedAt: now,
    };
    const handler = federationSignalHandler({ issuer: () => issuer, vault: ctx.keyVault });
    await ctx.store.transaction((tx) => handler(job, tx, { clock, audit: ctx.audit, now, correlationId: `event-${eventId}`, workerId: 'test' }));
    return eventId;
  };
  const outcomeOf = (jti: string, result: DeliveryOutcome['result'], attempt?: number) =>
    outcomes.some((o) => o.jti === jti && o.result === result && (attempt === undefined || o.attempt === attempt));
  const setsOf = (identityId: string) =>
    ctx.store.query<{ jti: string; client_id: string; event_type: string; state: string; txn: string }>(
      'SELECT jti, client_id, event_type, state, txn FROM ssf_events WHERE identity_id = $1 ORDER BY seq',
      [identityId],
    );

  before(async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', federation: { ssf: { pollMs: 20, retryBaseMs: 1000, pushMaxAttempts: 5 } } } });
    ctx = await startMuster(config, { store: await factory.open(), clock });
    issuer = federationIssuer(ctx.config);
  });
  after(async () => {
    for (const r of receivers) await r.stop();
    await ctx.close();
  });

  it('a leaver: only the RP whose agreement lists account-disabled hears it; retried through two failures, in order', async () => {
    const one = await receiver([{ status: 503 }, { status: 500 }]);
    const two = await receiver();
    const rpOne = { clientId: 'rp-one', key: await rpKey('one'), signalEndpoint: one.url };
    const rpTwo = { clientId: 'rp-two', key: await rpKey('two'), signalEndpoint: two.url };
    await saveAgreement(ctx, 'one', [rpOne], ['account-disabled', 'session-revoked']);
    await saveAgreement(ctx, 'two', [rpTwo], ['account-enabled']);
    const identity = await insertIdentity(ctx.store, clock.now(), 'terminated');
    await knownTo(ctx.store, identity, rpOne.clientId, 'one-sub', clock.now());
    await knownTo(ctx.store, identity, rpTwo.clientId, 'two-sub', clock.now());
    const eventId = await signalEvent('identity.leaver', identity);
    await signalEvent('identity.leaver', identity, eventId);

    const sets = await setsOf(identity);
    assert.deepEqual(
      sets.map((s) => `${s.client_id} ${s.event_type} ${s.state} ${s.txn}`),
      [`rp-one ${SIGNAL_EVENTS['account-disabled']} pending ${eventId}`, `rp-one ${SIGNAL_EVENTS['session-revoked']} pending ${eventId}`],
      'written once, for rp-one only, with the event id as txn',
    );

    const delivery = startSignalDelivery(ctx, { onOutcome: (o) => outcomes.push(o) });
    try {
      const [disabled, revoked] = sets as [(typeof sets)[0], (typeof sets)[0]];
      await waitUntil('first failure', () => outcomeOf(disabled.jti, 'retry', 1));
      clock.advance(HOUR);
      await waitUntil('second failure', () => outcomeOf(disabled.jti, 'retry', 2));
      clock.advance(HOUR);
      await waitUntil('both delivered', () => outcomeOf(revoked.jti, 'delivered'));
      assert.deepEqual(
        one.r.received.map((r) => decodeJwt(r.body).jti),
        [disabled.jti, disabled.jti, disabled.jti, revoked.jti],
        'the second SET waits for the first',
      );
      assert.equal(two.r.received.length, 0);
      const push = one.r.received[2]!;
      assert.equal(push.headers['content-type'], 'application/secevent+jwt');
      assert.equal(push.headers.accept, 'application/json');
      const { payload } = await jwtVerify(push.body, createLocalJWKSet(await transmitterJwks(ctx.store, ctx.keyVault, clock.now())), { issuer, audience: 'rp-one', typ: 'secevent+jwt' });
      assert.deepEqual(payload.sub_id, { format: 'iss_sub', iss: issuer, sub: 'one-sub' });
      assert.deepEqual(
        (await setsOf(identity)).map((s) => s.state),
        ['delivered', 'delivered'],
      );
    } finally {
      await delivery.stop();
    }
  });

  it('a receiver answering 400 marks the SET failed, not retried, and audited', async () => {
    const three = await receiver([{ status: 400, body: { err: 'invalid_audience', description: 'not for us' } }]);
    const rp = { clientId: 'rp-three', key: await rpKey('three'), signalEndpoint: three.url };
    await saveAgreement(ctx, 'three', [rp], ['account-enabled']);
    const identity = await insertIdentity(ctx.store, clock.now());
    await knownTo(ctx.store, identity, rp.clientId, 'three-sub', clock.now());
    await signalEvent('identity.return', identity);
    const [set] = await setsOf(identity);
    const delivery = startSignalDelivery(ctx, { onOutcome: (o) => outcomes.push(o) });
    try {
      await waitUntil('the refusal', () => outcomeOf(set!.jti, 'refused'));
    } finally {
      await delivery.stop();
    }
    clock.advance(HOUR);
    const again = startSignalDelivery(ctx, { onOutcome: (o) => outcomes.push(o) });
    await again.stop();
    assert.equal(three.r.received.length, 1);
    const [row] = await ctx.store.query<{ state: string; last_error: string }>('SELECT state, last_error FROM ssf_events WHERE jti = $1', [set!.jti]);
    assert.equal(row!.state, 'failed');
    assert.match(row!.last_error, /invalid_audience: not for us/);
    const [audit] = await ctx.store.query<{ reason: string }>("SELECT reason FROM audit_log WHERE action = 'ssf.push.refused' AND data->>'jti' = $1", [set!.jti]);
    assert.match(audit!.reason, /invalid_audience/);
  });

  it('survives a restart: a worker stopped mid-way leaves the SET to the next, which delivers it once', async () => {
    const four = await receiver([{ status: 503 }]);
    const rp = { clientId: 'rp-four', key: await rpKey('four'), signalEndpoint: four.url };
    await saveAgreement(ctx, 'four', [rp], ['account-disabled']);
    const identity = await insertIdentity(ctx.store, clock.now(), 'suspended');
    await knownTo(ctx.store, identity, rp.clientId, 'four-sub', clock.now());
    await signalEvent('identity.suspended', identity);
    const [set] = await setsOf(identity);
    const first = startSignalDelivery(ctx, { onOutcome: (o) => outcomes.push(o) });
    await waitUntil('the failed attempt', () => outcomeOf(set!.jti, 'retry'));
    await first.stop();
    clock.advance(HOUR);
    const second = startSignalDelivery(ctx, { onOutcome: (o) => outcomes.push(o) });
    try {
      await waitUntil('delivery by the new worker', () => outcomeOf(set!.jti, 'delivered'));
    } finally {
      await second.stop();
    }
    assert.equal(four.r.received.length, 2, 'one failed attempt, one accepted');
    assert.equal(outcomes.filter((o) => o.jti === set!.jti && o.result === 'delivered').length, 1);
  });

  it('a reissue (the old card terminated, the new one issued, in one change): every SET it causes carries one txn, written once', async () => {
    const seven = await receiver();
    const rp = { clientId: 'rp-seven', key: await rpKey('seven'), signalEndpoint: seven.url };
    await saveAgreement(ctx, 'seven', [rp], ['credential-change']);
    const identity = await insertIdentity(ctx.store, clock.now(), 'active');
    await knownTo(ctx.store, identity, rp.clientId, 'seven-sub', clock.now());
    const card = async (status: string) => {
      const id = randomUUID();
      await ctx.store.query(`INSERT INTO credentials (id, identity_id, type, status, reference, details, issued_at, updated_at) VALUES ($1, $2, 'piv_card', $3, $4, '{}', $5, $5)`, [
        id,
        identity,
        status,
        randomUUID(),
        clock.now(),
      ]);
      return id;
    };
    const [old, replacement] = [await card('terminated'), await card('active')];
    const terminated = await insertEvent(ctx.store, 'credential.terminated', identity, { credential_id: old, from: 'active' }, clock.now());
    const reissued = await insertEvent(ctx.store, 'credential.reissued', identity, { credential_id: replacement, replaces: old }, clock.now());
    for (const eventId of [terminated, reissued, reissued, terminated]) await signalEvent('', identity, eventId);
    const sets = await setsOf(identity);
    assert.equal(sets.length, 2, JSON.stringify(sets));
    const changes = await Promise.all(
      sets.map(async (s) => {
        const [row] = await ctx.store.query<{ set_jwt: string }>('SELECT set_jwt FROM ssf_events WHERE jti = $1', [s.jti]);
        const claims = decodeJwt(row!.set_jwt);
        return [claims.txn, (claims.events as Record<string, { change_type: string }>)[SIGNAL_EVENTS['credential-change']]!.change_type];
      }),
    );
    assert.deepEqual(
      changes,
      [
        [String(terminated), 'revoke'],
        [String(terminated), 'create'],
      ],
      'the revoke and the create under the first event of the change',
    );
    clock.advance(1000);
    const later = await insertEvent(ctx.store, 'credential.terminated', identity, { credential_id: replacement, from: 'active' }, clock.now());
    await signalEvent('', identity, later);
    assert.deepEqual(
      (await setsOf(identity)).map((s) => s.txn),
      [String(terminated), String(terminated), String(later)],
      'another change, another txn',
    );
  });

  it('an email change: RISC identifier-changed with the old address as subject, only where the agreement releases email', async () => {
    const [five, six] = [await receiver(), await receiver()];
    const rps = { five: { clientId: 'rp-five', key: await rpKey('five') }, six: { clientId: 'rp-six', key: await rpKey('six') } };
    const entry = (rp: { clientId: string; key: Awaited<ReturnType<typeof rpKey>> }, url: string) => ({
      clientId: rp.clientId,
      name: rp.clientId,
      redirectUris: [`https://${rp.clientId}.example.gov/cb`],
      jwks: { keys: [rp.key.publicJwk] },
      signalEndpoint: url,
      ...LOOPBACK_RECEIVER,
    });
    const agreement = (rp: ReturnType<typeof entry>, attributes: { name: string; purpose: string }[]) => ({
      name: rp.clientId,
      population: { agencyCodes: ['9700'] },
      idp: { issuer, home: true },
      relyingParties: [rp],
      attributes,
      signals: [{ event: 'identifier-changed', action: 'refresh-attributes' }],
    });
    const agreements = new AgreementService(ctx);
    await agreements.save('five', agreement(entry(rps.five, five.url), [{ name: 'email', purpose: 'notices' }]), 'test', 'releases email');
    await agreements.save('six', agreement(entry(rps.six, six.url), []), 'test', 'no email');
    const identity = await insertIdentity(ctx.store, clock.now(), 'active');
    await knownTo(ctx.store, identity, rps.five.clientId, 'five-sub', clock.now());
    await knownTo(ctx.store, identity, rps.six.clientId, 'six-sub', clock.now());
    const changed = { email: { from: 'pat.old@agency.example', to: 'pat.new@agency.example' } };
    await signalEvent('identity.updated', identity, await insertEvent(ctx.store, 'identity.updated', identity, { changed }, clock.now()));
    const sets = await setsOf(identity);
    assert.deepEqual(
      sets.map((r) => [r.client_id, r.event_type]),
      [['rp-five', SIGNAL_EVENTS['identifier-changed']]],
    );
    const delivery = startSignalDelivery(ctx, { onOutcome: (o) => outcomes.push(o) });
    try {
      await waitUntil('delivery to rp-five', () => outcomeOf(sets[0]!.jti, 'delivered'));
    } finally {
      await delivery.stop();
    }
    const claims = decodeJwt(five.r.received[0]!.body);
    assert.deepEqual(claims.sub_id, { format: 'email', email: 'pat.old@agency.example' });
    assert.equal((claims.events as Record<string, Record<string, unknown>>)[SIGNAL_EVENTS['identifier-changed']]!['new-value'], 'pat.new@agency.example');
    assert.equal(six.r.received.length, 0);
  });
});
