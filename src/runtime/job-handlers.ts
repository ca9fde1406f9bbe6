import type { Notifier } from '../connectors/notify/index.ts';
import { DERIVED_RECHECK_JOB, handleDerivedRecheck } from '../credentials/derived/recheck.ts';
import { ELIGIBILITY_HOLD_JOB, ELIGIBILITY_RESTORE_JOB, ELIGIBILITY_WITHDRAW_JOB, handleEligibilityHold, handleEligibilityRestore, handleEligibilityWithdraw } from '../credentials/eligibility.ts';
import { EXCEPTION_EXPIRE_JOB, handleExceptionExpire } from '../credentials/exceptions.ts';
import {
  CREDENTIALS_RESTORE_JOB,
  CREDENTIALS_SUSPEND_JOB,
  CREDENTIALS_TERMINATE_JOB,
  handleCredentialsRestore,
  handleCredentialsSuspend,
  credentialsTerminateBatch,
} from '../credentials/terminate.ts';
import type { BatchJobHandler, JobHandler } from '../lifecycle/handlers.ts';
import { RECOMPUTE_ALL_JOB, RECOMPUTE_JOB, handleRecomputeAll } from '../lifecycle/access/recompute-all.ts';
import { recomputeHandler } from '../lifecycle/access/recompute.ts';
import type { AccessTargets } from '../lifecycle/access/targets.ts';
import { NOTIFY_BINDING_JOB, notifyBindingHandler } from '../lifecycle/notify-binding.ts';
import { SPONSOR_LEFT_JOB, sponsorLeftBatch } from '../lifecycle/sponsor-left.ts';
import { PROVISION_CERTIFICATES_JOB, provisionCertificatesHandler } from '../lifecycle/provision/certificates-job.ts';
import { PROVISION_MANAGER_JOB, provisionManagerHandler } from '../lifecycle/provision/manager-job.ts';
import type { ManagerOnLeave } from '../lifecycle/provision/managers-repository.ts';
import type { MusterConfig } from '../config/schema.ts';
import { federationIssuer } from '../federation/issuer.ts';
import { FEDERATION_PROVISION_JOB, federationProvisionBatch } from '../federation/provisioning/job.ts';
import { FEDERATION_SIGNAL_JOB, federationSignalBatch } from '../protocols/ssf/signals/handler.ts';
import { FEDERATION_SESSIONS_END_JOB, endSessionsBatch } from './sessions-end-job.ts';
import { OPERATOR_TOKENS_REVOKE_JOB, operatorTokensRevokeBatch } from './operator-tokens-job.ts';
import type { KeyVault } from '../core/key-vault.ts';
import { BACKCHANNEL_LOGOUT_JOB, backchannelLogoutHandler } from '../protocols/oidc/backchannel-logout.ts';
import { rpFetch } from '../protocols/rp-outbound.ts';
import { MOVER_REAPPROVAL_JOB, moverReapprovalHandler } from '../governance/index.ts';

export interface HandlerDeps {
  /** Where binding notifications go (the address on record, through a connector). */
  readonly notifier: Notifier;
  /** The configured targets, as the access policies see them. */
  readonly targets: AccessTargets;
  /** Federation settings (provisioning to RPs) and the OP issuer SETs name. */
  readonly config: MusterConfig;
  /** The OP issuer when the server picked its port (`--port 0`); default from the configuration. */
  readonly issuer?: () => string;
  /** Opens the sealed signing keys (logout tokens, SETs). */
  readonly vault: KeyVault;
}

/**
 * The handlers of every job kind muster queues (see EVENT_TYPES in core/events.ts, and the scheduled checks). The kinds
 * every leaver queues are batch handlers: a mass termination runs them many jobs to a transaction.
 */
export function lifecycleHandlers(deps: HandlerDeps): Map<string, JobHandler | BatchJobHandler> {
  return new Map<string, JobHandler | BatchJobHandler>([
    [OPERATOR_TOKENS_REVOKE_JOB, operatorTokensRevokeBatch],
    [RECOMPUTE_JOB, recomputeHandler(deps.targets)],
    [RECOMPUTE_ALL_JOB, handleRecomputeAll],
    [SPONSOR_LEFT_JOB, sponsorLeftBatch],
    [PROVISION_CERTIFICATES_JOB, provisionCertificatesHandler(certificateMappingTargets(deps.config))],
    [PROVISION_MANAGER_JOB, provisionManagerHandler(managerTargets(deps.config))],
    [CREDENTIALS_TERMINATE_JOB, credentialsTerminateBatch],
    [CREDENTIALS_SUSPEND_JOB, handleCredentialsSuspend],
    [CREDENTIALS_RESTORE_JOB, handleCredentialsRestore],
    [ELIGIBILITY_WITHDRAW_JOB, handleEligibilityWithdraw],
    [ELIGIBILITY_HOLD_JOB, handleEligibilityHold],
    [ELIGIBILITY_RESTORE_JOB, handleEligibilityRestore],
    [DERIVED_RECHECK_JOB, handleDerivedRecheck],
    [EXCEPTION_EXPIRE_JOB, handleExceptionExpire],
    [MOVER_REAPPROVAL_JOB, moverReapprovalHandler(deps.config)],
    [NOTIFY_BINDING_JOB, notifyBindingHandler(deps.notifier)],
    [FEDERATION_SESSIONS_END_JOB, endSessionsBatch],
    [BACKCHANNEL_LOGOUT_JOB, backchannelLogoutHandler(deps.issuer ?? (() => federationIssuer(deps.config)), deps.vault)],
    [FEDERATION_SIGNAL_JOB, federationSignalBatch({ issuer: deps.issuer ?? (() => federationIssuer(deps.config)), vault: deps.vault })],
    [FEDERATION_PROVISION_JOB, federationProvisionBatch({ ...deps.config.federation.provisioning, outboundFor: (rp) => rpFetch(rp) })],
  ]);
}

/** The targets that map their accounts' PIV certificates for smart card logon: Active Directory's. */
function certificateMappingTargets(config: MusterConfig): string[] {
  return Object.entries(config.targets)
    .filter(([, target]) => target.kind === 'ad')
    .map(([name]) => name);
}

/** The targets whose accounts name their manager's account, and what a manager's leaving does there: Active Directory's. */
export function managerTargets(config: MusterConfig): Map<string, ManagerOnLeave> {
  const targets = new Map<string, ManagerOnLeave>();
  for (const [name, target] of Object.entries(config.targets)) if (target.kind === 'ad') targets.set(name, target.managerOnLeave);
  return targets;
}
