export { FEDERATION_PROVISION_JOB, PROVISIONING_ACTOR, federationProvisionHandler, type ProvisionHandlerOptions } from './job.ts';
export { agreementProvisioning, provisionAgreement, type AgreementProvisioningDeps, type AgreementPush, type ProvisionRequest } from './agreement-push.ts';
export { PIV_EXTENSION } from './scim-user.ts';
export { RP_ACCOUNT_STATES, type ProvisioningPage, type ProvisioningView, type RpAccountState } from './records.ts';
