import { isMusterError, type MusterError } from '../../../core/errors.ts';
import { refuse } from './policy.ts';

/** What the library's messages say went wrong, first match wins; the message is kept as the detail. */
const FIELDS: readonly (readonly [RegExp, string])[] = [
  [/response type/i, 'type'],
  [/response challenge|challenge verifier/i, 'challenge'],
  [/top origin|response origin/i, 'origin'],
  [/RP ID/i, 'rpId'],
  [/user verification/i, 'userVerification'],
  [/user (was not|not) present|user presence/i, 'userPresence'],
  [/counter/i, 'counter'],
  [/public key alg|missing numeric alg/i, 'algorithm'],
  [/attestation|certificate|x5c|packed|fidou2f|tpm|androidkey|apple|safetynet/i, 'attestation'],
];

/** Turns whatever the verifier threw into MUSTER_ERR_DERIVED_BINDING, naming the field. */
export function asRefusal(error: unknown): MusterError {
  if (isMusterError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const field = FIELDS.find(([pattern]) => pattern.test(message))?.[1] ?? 'response';
  return refuse(field, message, error);
}

/** Runs a verifier step and rethrows any failure as a refusal. */
export async function refusing<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw asRefusal(error);
  }
}
