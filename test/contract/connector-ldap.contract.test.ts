import { LdapConnector } from '../../src/connectors/accounts/ldap/index.ts';
import { slapdSkip, startSlapd } from '../support/slapd.ts';
import { connectorContract } from './connector-contract.ts';

connectorContract(
  'ldap',
  async () => {
    const slapd = await startSlapd();
    return { connector: new LdapConnector('directory', slapd.options), stop: () => slapd.stop() };
  },
  { skip: slapdSkip() },
);
