import { AgreementService } from '../federation/agreements.ts';
import { opClientCheck } from '../protocols/oidc/client-check.ts';
import type { Muster } from './context.ts';

/** The trust agreements over a started muster: a save is checked against the OP's own client rules. */
export function agreementService(ctx: Muster): AgreementService {
  return new AgreementService({ store: ctx.store, audit: ctx.audit, clock: ctx.clock, checkClients: opClientCheck(ctx) });
}
