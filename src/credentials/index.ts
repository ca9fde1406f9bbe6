export { issuePivCard } from './cards.ts';
export { revocationSnapshot, type RevocationSnapshot } from './revocation.ts';
export { CREDENTIALS_TERMINATE_JOB, LEAVER_REVOCATION_REASON, handleCredentialsTerminate } from './terminate.ts';
export type { IssuanceRule } from './prerequisites.ts';
export * from './types.ts';
