import type { TargetConfig } from '../config/targets-schema.ts';
import { LdapConnector } from '../connectors/accounts/ldap/index.ts';
import type { Connector } from '../connectors/accounts/port.ts';
import { ScimConnector } from '../connectors/accounts/scim/index.ts';
import { TicketConnector } from '../connectors/accounts/ticket/index.ts';
import type { MusterConfig } from '../config/schema.ts';

type Of<K extends TargetConfig['kind']> = Extract<TargetConfig, { kind: K }>;

/** One factory per target kind: adding a kind adds a line here, never a branch elsewhere. */
const FACTORIES: { readonly [K in TargetConfig['kind']]: (name: string, config: Of<K>) => Connector } = {
  ldap: (name, c) => new LdapConnector(name, c),
  scim: (name, c) => new ScimConnector(name, c),
  ticket: (name, c) => new TicketConnector(name, c),
};

export function openConnector(name: string, config: TargetConfig): Connector {
  const factory = FACTORIES[config.kind] as (name: string, config: TargetConfig) => Connector;
  return factory(name, config);
}

/** A connector for every configured target (none are contacted until used). */
export function openConnectors(config: MusterConfig): Map<string, Connector> {
  return new Map(Object.entries(config.targets).map(([name, target]) => [name, openConnector(name, target)]));
}
