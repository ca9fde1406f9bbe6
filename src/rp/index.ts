/**
 * `muster/rp`: a relying-party library for PIV federation (NIST SP 800-217) on openid-client.
 * It imports nothing of the muster server. See docs/rp.md.
 */
export { parseAgreements, agreementFor, agreementsWith, type TrustAgreement, type TrustAgreements } from './agreements.ts';
export {
  createRpClient,
  type RpClient,
  type RpClientOptions,
  type SignInRecord,
  type SignInResult,
  type CompleteOptions,
  type BoundAuthenticatorCheck,
  type BoundAuthenticatorContext,
} from './client.ts';
export { checkAssertion, REQUIRED_CLAIMS, type VerifiedAssertion, type AssertionContext, type FederatedIdentifier } from './assertion.ts';
export { certificateThumbprint, type CertificateInput } from './thumbprint.ts';
export { MemoryAccountStore, holdsIdentifier, sameIdentifier, type Account, type AccountState, type AccountChange, type AccountStore } from './accounts.ts';
export { MemorySessionStore, type Session, type SessionStore, type NewSession } from './sessions.ts';
export { MemoryRecorder, type SubscriberNotifier, type SubscriberNotice, type RpLog, type RpLogEntry } from './notices.ts';
export { resolveAccount, needsRefresh, type AccountServices } from './provisioning.ts';
export { applyAction, type ActionContext } from './account-actions.ts';
export { createSignalReceiver, type SignalReceiver, type SignalReceiverOptions, type PushRequest, type PushResponse } from './signals.ts';
export { createSetVerifier, ssfConfigurationUrl, type VerifiedSet } from './set-verify.ts';
export { pollSignals, type PollOptions, type PollResult } from './poll.ts';
export { MemoryReplayStore, type ReplayStore } from './replay.ts';
export { tlsFetch, type RpFetch, type TlsFetchOptions } from './fetch.ts';
export { RpError, RP_ERROR_CODES, isRpError, type RpErrorCode, type SetErrorCode } from './errors.ts';
export * from './profile.ts';
