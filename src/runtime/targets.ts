import type { MusterConfig } from '../config/schema.ts';
import type { TargetConfig } from '../config/targets-schema.ts';
import type { Connector } from '../connectors/accounts/port.ts';
import { type AccessTargets, accessTargets } from '../lifecycle/access/targets.ts';

/** The configured targets as the access policies see them: a name and how accounts are keyed. */
export function accessTargetsOf(config: MusterConfig): AccessTargets {
  return accessTargets(Object.entries(config.targets).map(([name, t]) => ({ name, accountKey: t.accountKey })));
}

/** Builds the connector of one configured target; one factory per kind. */
export type ConnectorFactory = (name: string, config: TargetConfig) => Connector;
