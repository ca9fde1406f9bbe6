// What the contract cannot see: the LDAP connector against a real slapd (ppolicy, memberof, outages, load).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Attribute, Change, Client, InvalidCredentialsError } from 'ldapts';
import { targetSchema } from '../../src/config/targets-schema.ts';
import { LdapConnector } from '../../src/connectors/accounts/ldap/index.ts';
import type { AccountSpec, RemoteAccount } from '../../src/connectors/accounts/port.ts';
import { isMusterError, type MusterErrorCode } from '../../src/core/errors.ts';
import { accountLdif, type SlapdInstance, slapdSkip, startSlapd } from '../support/slapd.ts';

const skip = slapdSkip();

function spec(key = `u${randomUUID().slice(0, 12)}`): AccountSpec {
  return { key, correlationId: randomUUID(), enabled: true, fields: { displayName: `Pat ${key}`, familyName: 'Lee', email: `${key}@agency.example` } };
}

function failsWith(code: MusterErrorCode): (error: unknown) => boolean {
  return (error: unknown) => isMusterError(error, code);
}

async function listAll(connector: LdapConnector, pageSize: number): Promise<RemoteAccount[][]> {
  const pages: RemoteAccount[][] = [];
  for await (const page of connector.listAccounts(pageSize)) pages.push([...page]);
  return pages;
}

/** A bind as the account itself: what a user logging in does. */
async function bindAs(slapd: SlapdInstance, dn: string, password: string): Promise<void> {
  const client = new Client({ url: slapd.url, timeout: 5000 });
  try {
    await client.bind(dn, password);
  } finally {
    await client.unbind().catch(() => {});
  }
}

/** The directory as an administrator sees it, bypassing the connector. */
async function asAdmin<T>(slapd: SlapdInstance, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url: slapd.url, timeout: 5000 });
  try {
    await client.bind(slapd.bindDn, slapd.bindPassword);
    return await work(client);
  } finally {
    await client.unbind().catch(() => {});
  }
}

describe('LDAP connector against slapd', { skip }, () => {
  let slapd: SlapdInstance;
  let connector: LdapConnector;
  before(async () => {
    slapd = await startSlapd({ preload: Array.from({ length: 2500 }, (_, i) => accountLdif(spec(`preloaded${i}`))) });
    connector = new LdapConnector('directory', slapd.options);
  });
  after(async () => {
    await connector?.close();
    await slapd?.stop();
  });

  it('takes an ldap target of the configuration, less its kind, as its options', async () => {
    const target = targetSchema.parse({ kind: 'ldap', ...slapd.options });
    assert.ok(target.kind === 'ldap');
    const { kind: _kind, ...options } = target;
    const fromConfig = new LdapConnector('configured', options);
    assert.equal((await fromConfig.findAccount('preloaded7'))?.key, 'preloaded7');
    await fromConfig.close();
  });

  it('a disabled account cannot bind; enabled again, it can', async () => {
    const { id } = await connector.createAccount(spec());
    await asAdmin(slapd, (c) => c.modify(id, new Change({ operation: 'replace', modification: new Attribute({ type: 'userPassword', values: ['correct horse'] }) })));
    await bindAs(slapd, id, 'correct horse');
    await connector.disableAccount(id);
    await assert.rejects(bindAs(slapd, id, 'correct horse'), InvalidCredentialsError);
    await connector.enableAccount(id);
    await bindAs(slapd, id, 'correct horse');
  });

  it('memberships live in the directory: memberOf on the account, member on the group, gone with the account', async () => {
    const group = `staff-${randomUUID().slice(0, 8)}`;
    const groupDn = `cn=${group},${slapd.groupsDn}`;
    const { id } = await connector.createAccount(spec());
    await connector.addMember(group, id);
    const [account] = (await asAdmin(slapd, (c) => c.search(id, { scope: 'base', attributes: ['memberOf'] }))).searchEntries;
    assert.equal(String(account?.memberOf).toLowerCase(), groupDn.toLowerCase());
    const members = async (): Promise<string[]> => {
      const [entry] = (await asAdmin(slapd, (c) => c.search(groupDn, { scope: 'base', attributes: ['member'] }))).searchEntries;
      return ([] as string[]).concat((entry?.member as string | string[] | undefined) ?? []);
    };
    assert.equal((await members()).length, 2, 'the member and the placeholder');
    await connector.deleteAccount(id);
    assert.deepEqual(await members(), [''], 'only the placeholder is left');
  });

  it('a rename is a modify DN: the same entry (entryUUID, password, lock) under the new uid, with the group naming the new DN', async () => {
    const group = `staff-${randomUUID().slice(0, 8)}`;
    const groupDn = `cn=${group},${slapd.groupsDn}`;
    const { id } = await connector.createAccount(spec());
    await connector.addMember(group, id);
    await asAdmin(slapd, (c) => c.modify(id, new Change({ operation: 'replace', modification: new Attribute({ type: 'userPassword', values: ['correct horse'] }) })));
    const read = async (dn: string) => (await asAdmin(slapd, (c) => c.search(dn, { scope: 'base', attributes: ['uid', 'entryUUID', 'memberOf'] }))).searchEntries[0];
    const before = await read(id);
    const key = `renamed${randomUUID().slice(0, 8)}`;
    const renamed = await connector.renameAccount(id, key);
    assert.equal(renamed.id, `uid=${key},${slapd.usersDn}`);
    const after = await read(renamed.id);
    assert.deepEqual([after?.uid, after?.entryUUID], [key, before?.entryUUID], 'the old uid value went with the old RDN');
    assert.equal(String(after?.memberOf).toLowerCase(), groupDn.toLowerCase());
    const [entry] = (await asAdmin(slapd, (c) => c.search(groupDn, { scope: 'base', attributes: ['member'] }))).searchEntries;
    assert.deepEqual(
      ([] as string[])
        .concat(entry?.member as string[])
        .map((m) => m.toLowerCase())
        .sort(),
      ['', renamed.id.toLowerCase()],
    );
    await bindAs(slapd, renamed.id, 'correct horse');
    await assert.rejects(bindAs(slapd, id, 'correct horse'), InvalidCredentialsError);
    await connector.disableAccount(renamed.id);
    await assert.rejects(bindAs(slapd, renamed.id, 'correct horse'), InvalidCredentialsError);
  });

  it('a rename moves the group member values itself where the memberof overlay keeps no referential integrity', async () => {
    const plain = await startSlapd({ memberofRefint: false });
    const own = new LdapConnector('directory', plain.options);
    try {
      const { id } = await own.createAccount(spec());
      await own.addMember('staff', id);
      const renamed = await own.renameAccount(id, `renamed${randomUUID().slice(0, 8)}`);
      const [entry] = (await asAdmin(plain, (c) => c.search(`cn=staff,${plain.groupsDn}`, { scope: 'base', attributes: ['member'] }))).searchEntries;
      assert.deepEqual(
        ([] as string[])
          .concat(entry?.member as string[])
          .map((m) => m.toLowerCase())
          .sort(),
        ['', renamed.id.toLowerCase()],
      );
      assert.deepEqual((await own.findAccount(renamed.id.slice(4, renamed.id.indexOf(','))))?.groups, ['staff']);
    } finally {
      await own.close();
      await plain.stop();
    }
  });

  it('refuses unknown account ids with MUSTER_ERR_NOT_FOUND', async () => {
    const missing = `uid=missing${randomUUID().slice(0, 8)},${slapd.usersDn}`;
    await assert.rejects(connector.updateAccount(missing, { title: 'x' }), failsWith('MUSTER_ERR_NOT_FOUND'));
    await assert.rejects(connector.disableAccount(missing), failsWith('MUSTER_ERR_NOT_FOUND'));
    await assert.rejects(connector.enableAccount(missing), failsWith('MUSTER_ERR_NOT_FOUND'));
    await assert.rejects(connector.addMember('staff', missing), failsWith('MUSTER_ERR_NOT_FOUND'));
    await assert.rejects(connector.disableAccount(`cn=admin,${slapd.baseDn}`), failsWith('MUSTER_ERR_NOT_FOUND'), 'an entry outside usersDn is no account');
  });

  it('clears a field given empty and falls back to the login for the required sn', async () => {
    const s = spec();
    const { id } = await connector.createAccount(s);
    await connector.updateAccount(id, { email: '', familyName: '' });
    const found = await connector.findAccount(s.key);
    assert.equal(found?.fields.email, undefined);
    assert.equal(found?.fields.familyName, s.key);
  });

  it('carries 200 creates, 200 disables and 50 joins of one new group in flight at once', async () => {
    const group = `crowd-${randomUUID().slice(0, 8)}`;
    const specs = Array.from({ length: 200 }, () => spec());
    const ids = await Promise.all(specs.map(async (s) => (await connector.createAccount(s)).id));
    await Promise.all([...ids.map((id) => connector.disableAccount(id)), ...ids.slice(0, 50).map((id) => connector.addMember(group, id))]);
    const states = await Promise.all(specs.map((s) => connector.findAccount(s.key)));
    assert.ok(states.every((a) => a?.enabled === false));
    assert.equal(states.filter((a) => a?.groups.includes(group)).length, 50);
  });

  it('lists a preloaded directory a page at a time, each account once', async () => {
    const pages = await listAll(connector, 1000);
    const keys = pages.flat().map((a) => a.key);
    assert.ok(pages.every((page) => page.length <= 1000));
    assert.ok(pages.length >= 3);
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(keys.filter((k) => k.startsWith('preloaded')).length, 2500);
  });

  it('lists while other calls run on the shared connection', async () => {
    const [pages, group] = await Promise.all([listAll(connector, 300), connector.listEntitlements(), connector.findAccount('preloaded1')]);
    assert.ok(pages.flat().length >= 2500);
    assert.ok(Array.isArray(group));
  });
});

describe('LDAP connector when slapd is unreachable or refuses', { skip }, () => {
  let slapd: SlapdInstance;
  before(async () => {
    slapd = await startSlapd();
  });
  after(async () => {
    await slapd?.stop();
  });

  it('a wrong bind password is MUSTER_ERR_TARGET_REFUSED with the LDAP result code', async () => {
    const connector = new LdapConnector('directory', { ...slapd.options, bindPassword: 'wrong' });
    await assert.rejects(connector.findAccount('anyone'), (error: unknown) => {
      assert.ok(isMusterError(error, 'MUSTER_ERR_TARGET_REFUSED'));
      assert.equal(error.details[0]?.value, '49');
      return true;
    });
    await connector.close();
  });

  it('fails with MUSTER_ERR_TARGET_UNAVAILABLE while slapd is down and works again once it is back', async () => {
    const connector = new LdapConnector('directory', slapd.options);
    const s = spec();
    const { id } = await connector.createAccount(s);
    await slapd.shutdown();
    await assert.rejects(connector.disableAccount(id), failsWith('MUSTER_ERR_TARGET_UNAVAILABLE'));
    const during = await Promise.allSettled([connector.findAccount(s.key), connector.listEntitlements(), listAll(connector, 10)]);
    assert.ok(during.every((r) => r.status === 'rejected' && isMusterError(r.reason, 'MUSTER_ERR_TARGET_UNAVAILABLE')));
    await slapd.restart();
    await connector.disableAccount(id);
    assert.equal((await connector.findAccount(s.key))?.enabled, false);
    await connector.close();
  });

  it('gives up on a server that never answers after timeoutMs', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    assert.ok(address && typeof address === 'object');
    const connector = new LdapConnector('silent', { ...slapd.options, url: `ldap://127.0.0.1:${address.port}`, timeoutMs: 300 });
    const started = Date.now();
    await assert.rejects(connector.findAccount('anyone'), failsWith('MUSTER_ERR_TARGET_UNAVAILABLE'));
    assert.ok(Date.now() - started < 3000);
    await connector.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
});

describe('LDAP connector over StartTLS to a slapd that requires TLS', { skip }, () => {
  let slapd: SlapdInstance;
  before(async () => {
    slapd = await startSlapd({ tls: true });
  });
  after(async () => {
    await slapd?.stop();
  });

  it('upgrades ldap:// with StartTLS before the bind, checking the certificate against the configured CA', async () => {
    assert.ok(slapd.url.startsWith('ldap://'));
    const connector = new LdapConnector('directory', slapd.options);
    try {
      const s = spec();
      const { id } = await connector.createAccount(s);
      await connector.addMember('tls-staff', id);
      assert.deepEqual((await connector.findAccount(s.key))?.groups, ['tls-staff']);
    } finally {
      await connector.close();
    }
  });

  it('without StartTLS the bind is refused (confidentiality required, result code 13)', async () => {
    const connector = new LdapConnector('directory', { ...slapd.options, startTls: false });
    try {
      await assert.rejects(connector.findAccount('anyone'), (error: unknown) => {
        assert.ok(isMusterError(error, 'MUSTER_ERR_TARGET_REFUSED'), String(error));
        assert.equal(error.details[0]?.value, '13');
        return true;
      });
    } finally {
      await connector.close();
    }
  });

  it('a certificate the configured CA did not issue, or a name it does not carry, fails the upgrade', async () => {
    const otherCa = new LdapConnector('directory', { ...slapd.options, caFile: undefined });
    const wrongName = new LdapConnector('directory', { ...slapd.options, tlsServerName: 'ldap.agency.example' });
    try {
      for (const connector of [otherCa, wrongName]) await assert.rejects(connector.findAccount('anyone'), failsWith('MUSTER_ERR_TARGET_UNAVAILABLE'));
    } finally {
      await Promise.all([otherCa.close(), wrongName.close()]);
    }
  });
});
