/** Access requests, approvals and grants (docs/governance.md). */
export { type Decision, type NewRequest, type RequestDeps, type Requester, RequestService, APPROVER_IS_BENEFICIARY, APPROVER_IS_REQUESTER, NOT_APPROVER } from './requests.ts';
export { type AccessRequest, viewOf } from './request-view.ts';
export { type SweepDeps, type SweepResult, GOVERNANCE_ACTOR, sweepRequests } from './sweep.ts';
export { MOVER_REAPPROVAL_JOB, moverReapprovalHandler } from './mover.ts';
export { type GrantToCheck, checkSeparationOfDuties as checkRequestSeparation } from './separation-of-duties.ts';
export { type Activation, ActivationService, type ChallengeVerifier, type ConsoleSignIn, FRESH_AAL3_RULE, heldItems } from './activation.ts';
export { holdsRelyingPartyGrant } from './rp-grant-repository.ts';
export { type PersonName, REPORTS_LIMIT, directReports, identitiesByKey, peopleNamed } from './people.ts';
