import { CatalogueService, RequestService } from '../governance/index.ts';
import { authenticate } from '../operators/tokens.ts';
import type { Muster } from './context.ts';
import type { DemoTokens } from './demo-operators.ts';

export interface DemoCatalogue {
  readonly items: readonly string[];
  /** The request left waiting on its owner (the security officer). */
  readonly pendingRequest: string;
}

/**
 * A small catalogue for the demo, owned by the security officer: the auditor role for reading the CDM reports
 * (approved by its owner), and the CA operator role (privileged: the requester's manager, then two owners would be
 * needed; the demo shows only the first). The registrar has asked for the first: the request waits in the security
 * officer's inbox (`muster access inbox` with the security-officer token).
 */
export async function seedDemoCatalogue(ctx: Muster, tokens: DemoTokens, actor: string, correlationId: string): Promise<DemoCatalogue> {
  const idOf = async (token: string) => (await authenticate(ctx.store, ctx.clock, token))?.identityId as string;
  const owner = await idOf(tokens['security-officer']);
  const registrar = await idOf(tokens.registrar);
  const catalogue = new CatalogueService({ store: ctx.store, audit: ctx.audit, clock: ctx.clock, targets: ctx.accessTargets.names });
  const items = {
    'cdm-reports': { kind: 'role', role: 'auditor', description: 'Read the governance reports and the CDM export', owners: [owner], privileged: false, maxDays: 90, approvals: ['owner'] },
    'ca-operations': {
      kind: 'role',
      role: 'ca-operator',
      description: "Look after muster's CA: keys, CRLs, the OCSP responder",
      owners: [owner],
      privileged: true,
      maxDays: 14,
      approvals: ['manager', 'owner'],
    },
  };
  for (const [name, document] of Object.entries(items)) await catalogue.save(name, document, actor, 'demo: a small catalogue of requestable access');
  const requests = new RequestService({ store: ctx.store, audit: ctx.audit, clock: ctx.clock, config: ctx.config });
  const pending = await requests.request(
    { item: 'cdm-reports', justification: 'demo: the quarterly coverage figures', endsAt: new Date(ctx.clock.now().getTime() + 30 * 86_400_000) },
    { identityId: registrar, actor: `operator:${registrar}`, correlationId },
  );
  return { items: Object.keys(items), pendingRequest: pending.id };
}
