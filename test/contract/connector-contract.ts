// The contract every account connector passes: memory, LDAP (slapd) and SCIM (a SCIMMY service).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { AccountSpec, Connector, RemoteAccount } from '../../src/connectors/accounts/port.ts';
import { isMusterError } from '../../src/core/errors.ts';
import { type AccountRecord, convergeAccount } from '../../src/lifecycle/provision/converge.ts';

const run = promisify(execFile);

export interface ContractTarget {
  readonly connector: Connector;
  readonly stop: () => Promise<void>;
}

export interface ContractOptions {
  /** Why the suite cannot run here (a missing peer), or false. */
  readonly skip?: string | false;
}

/** Certificates (DER) made by openssl, each with its own serial, for targets that map certificates. */
async function selfSignedCertificates(n: number): Promise<Uint8Array[]> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-contract-certs-'));
  try {
    const made: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const out = join(dir, `c${i}.der`);
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, `k${i}.pem`),
        '-subj',
        '/C=US/O=U.S. Government/CN=Contract CA',
        '-days',
        '2',
        '-outform',
        'DER',
        '-out',
        out,
      ]);
      made.push(new Uint8Array(await readFile(out)));
    }
    return made;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let counter = 0;
function spec(overrides: Partial<AccountSpec> = {}): AccountSpec {
  counter++;
  const key = `u${randomUUID().slice(0, 8)}${counter}`;
  return {
    key,
    correlationId: randomUUID(),
    enabled: true,
    fields: { displayName: `Pat ${key}`, givenName: 'Pat', familyName: `Lee${counter}`, email: `${key}@agency.example`, title: 'Analyst', department: 'Budget', userType: 'government' },
    ...overrides,
  };
}

/** Registers the contract suite for one adapter; `open` starts the target and builds its connector. */
export function connectorContract(name: string, open: () => Promise<ContractTarget>, options: ContractOptions = {}): void {
  describe(`connector contract: ${name}`, { skip: options.skip ?? false }, () => {
    let target: ContractTarget;
    let c: Connector;
    before(async () => {
      target = await open();
      c = target.connector;
    });
    after(async () => {
      await c?.close();
      await target?.stop();
    });

    it('declares its capabilities', () => {
      for (const flag of ['list', 'groups', 'delete', 'etags', 'deferred'] as const) assert.equal(typeof c.capabilities[flag], 'boolean', flag);
      assert.ok(c.target.length > 0);
    });

    it('creates an account and finds it by key with its fields and correlation id', async () => {
      const s = spec();
      const created = await c.createAccount(s);
      assert.ok(created.id);
      const found = await c.findAccount(s.key);
      assert.ok(found);
      assert.equal(found.id, created.id);
      assert.equal(found.key, s.key);
      assert.equal(found.correlationId, s.correlationId);
      assert.equal(found.enabled, true);
      assert.deepEqual(found.groups, []);
      for (const [field, value] of Object.entries(s.fields)) assert.equal(found.fields[field as keyof typeof found.fields], value, field);
    });

    it('finds nothing for an unknown key', async () => {
      assert.equal(await c.findAccount(`nobody${randomUUID().slice(0, 8)}`), null);
    });

    it('refuses a second account with the same key', async () => {
      const s = spec();
      await c.createAccount(s);
      await assert.rejects(c.createAccount({ ...s, correlationId: randomUUID() }), (e: unknown) => isMusterError(e, 'MUSTER_ERR_TARGET_CONFLICT'));
    });

    it('creates an account disabled when asked', async () => {
      const s = spec({ enabled: false });
      await c.createAccount(s);
      assert.equal((await c.findAccount(s.key))?.enabled, false);
    });

    it('updates the given fields and leaves the others', async () => {
      const s = spec();
      const { id } = await c.createAccount(s);
      await c.updateAccount(id, { title: 'Senior Analyst', department: 'Accounting' });
      const found = await c.findAccount(s.key);
      assert.equal(found?.fields.title, 'Senior Analyst');
      assert.equal(found?.fields.department, 'Accounting');
      assert.equal(found?.fields.email, s.fields.email);
    });

    it('disables and enables, each twice without harm', async () => {
      const s = spec();
      const { id } = await c.createAccount(s);
      await c.disableAccount(id);
      await c.disableAccount(id);
      assert.equal((await c.findAccount(s.key))?.enabled, false);
      await c.enableAccount(id);
      await c.enableAccount(id);
      assert.equal((await c.findAccount(s.key))?.enabled, true);
    });

    it('adds to a group (creating it), twice without harm, and removes, twice without harm', async () => {
      const group = `grp-${randomUUID().slice(0, 8)}`;
      const a = spec();
      const b = spec();
      const { id: idA } = await c.createAccount(a);
      const { id: idB } = await c.createAccount(b);
      await c.addMember(group, idA);
      await c.addMember(group, idA);
      await c.addMember(group, idB);
      assert.deepEqual((await c.findAccount(a.key))?.groups, [group]);
      assert.ok((await c.listEntitlements()).includes(group));
      await c.removeMember(group, idA);
      await c.removeMember(group, idA);
      assert.deepEqual((await c.findAccount(a.key))?.groups, []);
      assert.deepEqual((await c.findAccount(b.key))?.groups, [group]);
      await c.removeMember(group, idB);
      assert.deepEqual((await c.findAccount(b.key))?.groups, [], 'the last member can leave a group');
      await c.removeMember(`missing-${randomUUID().slice(0, 8)}`, idB);
    });

    it('lists every account exactly once across pages', async () => {
      const made = [spec(), spec(), spec(), spec(), spec()];
      for (const s of made) await c.createAccount(s);
      const seen = new Map<string, number>();
      for await (const page of c.listAccounts(2)) {
        assert.ok(page.length <= 2, `page of ${page.length}`);
        for (const account of page) seen.set(account.key, (seen.get(account.key) ?? 0) + 1);
      }
      for (const s of made) assert.equal(seen.get(s.key), 1, s.key);
      assert.ok(
        [...seen.values()].every((n) => n === 1),
        'no account twice',
      );
    });

    it('lists accounts with their correlation ids, state and groups', async () => {
      const group = `grp-${randomUUID().slice(0, 8)}`;
      const s = spec();
      const { id } = await c.createAccount(s);
      await c.addMember(group, id);
      await c.disableAccount(id);
      let listed: RemoteAccount | undefined;
      for await (const page of c.listAccounts(100)) listed ??= page.find((a) => a.key === s.key);
      assert.ok(listed);
      assert.equal(listed.correlationId, s.correlationId);
      assert.equal(listed.enabled, false);
      assert.deepEqual(listed.groups, [group]);
    });

    it('lists every member of a group that many accounts joined at once', async () => {
      const group = `grp-${randomUUID().slice(0, 8)}`;
      const made = Array.from({ length: 12 }, () => spec());
      const ids = await Promise.all(made.map(async (s) => (await c.createAccount(s)).id));
      await Promise.all(ids.map((id) => c.addMember(group, id)));
      const listed = new Map<string, readonly string[]>();
      for await (const page of c.listAccounts(5)) for (const account of page) listed.set(account.key, account.groups);
      for (const s of made) assert.deepEqual(listed.get(s.key), [group], s.key);
    });

    it('renames an account: the new key finds the same account with its groups, state and correlation id', async () => {
      const group = `grp-${randomUUID().slice(0, 8)}`;
      const s = spec();
      const { id } = await c.createAccount(s);
      await c.addMember(group, id);
      await c.disableAccount(id);
      const key = `r${randomUUID().slice(0, 8)}`;
      const renamed = await c.renameAccount(id, key);
      assert.equal(await c.findAccount(s.key), null, 'the old key is gone');
      const found = await c.findAccount(key);
      assert.ok(found);
      assert.equal(found.id, renamed.id);
      assert.equal(found.key, key);
      assert.equal(found.correlationId, s.correlationId);
      assert.equal(found.enabled, false);
      assert.deepEqual(found.groups, [group]);
      assert.equal(found.fields.email, s.fields.email);
      await c.enableAccount(renamed.id);
      assert.equal((await c.findAccount(key))?.enabled, true, 'the id answered works for later calls');
      assert.deepEqual(await c.renameAccount(renamed.id, key), renamed, 'renaming to the key it has changes nothing');
    });

    it('refuses to rename an account to a key another account holds, and a missing account is not found', async () => {
      const a = spec();
      const b = spec();
      const { id } = await c.createAccount(a);
      await c.createAccount(b);
      await assert.rejects(c.renameAccount(id, b.key), (e: unknown) => isMusterError(e, 'MUSTER_ERR_TARGET_CONFLICT'));
      assert.equal((await c.findAccount(a.key))?.id, id, 'the account keeps its key');
      await c.deleteAccount(id);
      await assert.rejects(c.renameAccount(id, `r${randomUUID().slice(0, 8)}`), (e: unknown) => isMusterError(e, 'MUSTER_ERR_NOT_FOUND'));
    });

    it('maps exactly the certificates given, twice without harm, where the target maps certificates for logon; a target that does not says so and lists none', async () => {
      if (!c.capabilities.certificates) {
        assert.equal(c.mapCertificates, undefined, 'no capability, no way to map');
        const { id } = await c.createAccount(spec());
        for await (const page of c.listAccounts(100)) for (const a of page) if (a.id === id) assert.deepEqual([...(a.certificateMappings ?? [])], []);
        return;
      }
      assert.ok(c.mapCertificates, 'the capability comes with the way to map');
      const [first, second] = await selfSignedCertificates(2);
      const { id } = await c.createAccount(spec());
      const one = await c.mapCertificates(id, [first as Uint8Array]);
      assert.equal(one.mappings.length, 1);
      const both = await c.mapCertificates(id, [first as Uint8Array, second as Uint8Array]);
      assert.equal((await c.mapCertificates(id, [first as Uint8Array, second as Uint8Array])).mappings.length, 2);
      assert.ok(both.mappings.includes(one.mappings[0] as string));
      const listed = async () => {
        for await (const page of c.listAccounts(100)) for (const a of page) if (a.id === id) return [...(a.certificateMappings ?? [])].sort();
        return null;
      };
      assert.deepEqual(await listed(), [...both.mappings].sort());
      assert.deepEqual(
        (await c.mapCertificates(id, [second as Uint8Array])).mappings,
        both.mappings.filter((m) => m !== one.mappings[0]),
      );
      await c.mapCertificates(id, []);
      assert.deepEqual(await listed(), []);
    });

    it('deletes an account, and a second delete succeeds', async () => {
      const s = spec();
      const { id } = await c.createAccount(s);
      await c.deleteAccount(id);
      assert.equal(await c.findAccount(s.key), null);
      await c.deleteAccount(id);
    });

    it('an account whose record says deleted (deleteOnArchive) is deleted by provisioning, by its id or found by its key; a replay deletes nothing', async () => {
      const record = (s: AccountSpec, remoteId: string | null): AccountRecord => ({
        identityId: s.correlationId,
        target: name,
        key: s.key,
        status: 'deleted',
        fields: s.fields,
        groups: [],
        remoteId,
        synced: null,
      });
      const held = spec({ enabled: false });
      const { id } = await c.createAccount(held);
      const first = await convergeAccount(c, record(held, id));
      assert.deepEqual([first.remoteId, first.synced, first.calls], [null, null, ['delete']]);
      assert.equal(await c.findAccount(held.key), null);
      assert.deepEqual((await convergeAccount(c, record(held, null))).calls, [], 'the replay finds nothing left to delete');
      const unlinked = spec();
      await c.createAccount(unlinked);
      assert.deepEqual((await convergeAccount(c, record(unlinked, null))).calls, ['delete'], 'found by its key');
      assert.equal(await c.findAccount(unlinked.key), null);
      const someoneElses = spec();
      await c.createAccount(someoneElses);
      assert.deepEqual((await convergeAccount(c, { ...record(someoneElses, null), identityId: randomUUID() })).calls, [], "another identity's account is left alone");
      assert.notEqual(await c.findAccount(someoneElses.key), null);
    });
  });
}
