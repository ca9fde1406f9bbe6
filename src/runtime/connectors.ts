import type { TargetConfig } from '../config/targets-schema.ts';
import { AdConnector } from '../connectors/accounts/ad/index.ts';
import { LdapConnector } from '../connectors/accounts/ldap/index.ts';
import type { Connector } from '../connectors/accounts/port.ts';
import { ScimConnector } from '../connectors/accounts/scim/index.ts';
import { TicketConnector } from '../connectors/accounts/ticket/index.ts';
import type { MusterConfig } from '../config/schema.ts';
import { type OutboundFetch, agencyFetch } from '../connectors/outbound/index.ts';

type Of<K extends TargetConfig['kind']> = Extract<TargetConfig, { kind: K }>;

/** One factory per target kind: adding a kind adds a line here, never a branch elsewhere. */
const FACTORIES: { readonly [K in TargetConfig['kind']]: (name: string, config: Of<K>, outbound: OutboundFetch | undefined) => Connector } = {
  ldap: (name, c) => new LdapConnector(name, c),
  ad: (name, c) => new AdConnector(name, c),
  scim: (name, c, outbound) => new ScimConnector(name, { ...c, ...(outbound ? { outbound } : {}) }),
  ticket: (name, c, outbound) => new TicketConnector(name, { ...c, ...(outbound ? { outbound } : {}) }),
};

/** `outbound` reaches HTTP targets (the agency's `outbound.agencyNetworks`); the default ranges without it. */
export function openConnector(name: string, config: TargetConfig, outbound?: OutboundFetch): Connector {
  const factory = FACTORIES[config.kind] as (name: string, config: TargetConfig, outbound: OutboundFetch | undefined) => Connector;
  return factory(name, config, outbound);
}

/** A connector for every configured target (none are contacted until used). */
export function openConnectors(config: MusterConfig): Map<string, Connector> {
  const outbound = agencyFetch({ ranges: config.outbound.agencyNetworks });
  return new Map(Object.entries(config.targets).map(([name, target]) => [name, openConnector(name, target, outbound)]));
}
