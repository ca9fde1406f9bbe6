import { ScimConnector } from '../../src/connectors/accounts/scim/index.ts';
import { startScimService, type ScimServiceOptions } from '../support/scim-service.ts';
import { connectorContract, type ContractTarget } from './connector-contract.ts';

async function open(options: ScimServiceOptions): Promise<ContractTarget> {
  const service = await startScimService(options);
  const connector = new ScimConnector('scim', { baseUrl: service.baseUrl, auth: { type: 'bearer', token: service.token }, timeoutMs: 5000 });
  await connector.discover();
  return { connector, stop: service.stop };
}

connectorContract('scim', () => open({}));
// the service's fast lane for plain replaces (benchmarks) must keep SCIMMY's semantics
connectorContract('scim, fast PATCH', () => open({ fastPatch: true }));
// a service whose Users do not list their groups
connectorContract('scim, groups only on /Groups', () => open({ groupsOnUsers: false }));
