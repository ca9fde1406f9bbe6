import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LdapConnector } from '../../src/connectors/accounts/ldap/index.ts';
import type { RemoteAccount } from '../../src/connectors/accounts/port.ts';
import { accountLdif, ldifEntry, type SlapdInstance, slapdSkip, startSlapd } from '../support/slapd.ts';
import { connectorContract } from './connector-contract.ts';

connectorContract(
  'ldap',
  async () => {
    const slapd = await startSlapd();
    return { connector: new LdapConnector('directory', slapd.options), stop: () => slapd.stop() };
  },
  { skip: slapdSkip() },
);

describe('the LDAP connector reads memberships from the groups, not from memberOf', { skip: slapdSkip() }, () => {
  let slapd: SlapdInstance;
  let c: LdapConnector;
  const person = (key: string) => ({ key, correlationId: `id-${key}`, enabled: true, fields: { familyName: key } });
  before(async () => {
    // slapadd runs no overlays: the group holds its members and the accounts carry no memberOf at all, the
    // state memberOf is left in when it falls short of concurrent group changes
    const users = 'ou=people,dc=agency,dc=example';
    const preload = [accountLdif(person('ann'), users), accountLdif(person('bob'), users), accountLdif(person('cy'), users)].join('');
    const group = ldifEntry('cn=staff,ou=groups,dc=agency,dc=example', { objectClass: ['groupOfNames'], cn: ['staff'], member: [`uid=ann,${users}`, `UID=Bob, ${users.toUpperCase()}`] });
    slapd = await startSlapd({ preload: preload + group });
    c = new LdapConnector('directory', slapd.options);
  });
  after(async () => {
    await c?.close();
    await slapd?.stop();
  });

  it('listAccounts gives each account the groups whose member values name it, however the DN is spelt', async () => {
    const listed: RemoteAccount[] = [];
    for await (const page of c.listAccounts(2)) listed.push(...page);
    const groups = Object.fromEntries(listed.map((a) => [a.key, a.groups]));
    assert.deepEqual(groups, { ann: ['staff'], bob: ['staff'], cy: [] });
  });

  it('findAccount agrees with listAccounts', async () => {
    assert.deepEqual((await c.findAccount('bob'))?.groups, ['staff']);
    assert.deepEqual((await c.findAccount('cy'))?.groups, []);
  });
});
