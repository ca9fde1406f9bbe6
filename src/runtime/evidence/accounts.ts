import type { Connector } from '../../connectors/accounts/port.ts';
import type { EvidenceReadBack } from '../../audit/evidence/bundle.ts';

/**
 * Asks the target itself, through the connector port reconciliation reads with, what it holds for the account now.
 * A target that cannot be read says so; nothing is assumed.
 */
export async function readBack(connector: Connector | undefined, accountRef: string, now: () => Date): Promise<EvidenceReadBack> {
  if (!connector) return { read: false, at: now().toISOString(), why: 'no connector for this target in the configuration' };
  if (!connector.capabilities.list) return { read: false, at: now().toISOString(), why: `the ${connector.kind} target cannot be read back: a person carries out its changes (see its tickets)` };
  try {
    const found = await connector.findAccount(accountRef);
    const at = now().toISOString();
    if (!found) return { read: true, at, found: false };
    return { read: true, at, found: true, id: found.id, key: found.key, enabled: found.enabled, groups: [...found.groups].sort() };
  } catch (error) {
    return { read: false, at: now().toISOString(), why: `the target did not answer: ${(error as Error).message}` };
  }
}
