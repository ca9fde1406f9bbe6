/** The identity facets the reports count, shared with the identity list's filters (src/mur/identity-facets.ts). */
export {
  CREDENTIAL_FILTERS,
  type CredentialFilter,
  DERIVED_FIDO2,
  DERIVED_PKI,
  IS_PRIVILEGED,
  PHISHING_RESISTANT,
  PIV_CARD,
  USER_TYPE,
  holdsActive,
} from '../../mur/identity-facets.ts';
