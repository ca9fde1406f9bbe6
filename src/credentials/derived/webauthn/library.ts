import { SettingsService } from '@simplewebauthn/server';

type Identifier = Parameters<typeof SettingsService.setRootCertificates>[0]['identifier'];

/** Attestation formats whose statements carry (or point to) a certificate chain. */
const FORMATS_WITH_CHAINS: readonly Identifier[] = ['packed', 'fido-u2f', 'tpm', 'android-key', 'android-safetynet', 'apple'];

/**
 * The library ships its own anchors for some formats (Apple, Google) and, when it validates a chain,
 * downloads the CRLs the certificates point to. Here it only checks each statement's signature and
 * format rules; trust is decided against the policy's configured anchors, offline (see trust.ts).
 * Clearing the anchors once at load makes the library skip its own path validation and CRL fetches.
 */
for (const identifier of FORMATS_WITH_CHAINS) SettingsService.setRootCertificates({ identifier, certificates: [] });
