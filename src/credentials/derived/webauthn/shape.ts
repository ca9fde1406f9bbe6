import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { refuse } from './policy.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkEnvelope(value: unknown, fields: readonly string[], what: string): void {
  const inner = isRecord(value) ? value.response : undefined;
  const ok =
    isRecord(value) &&
    typeof value.id === 'string' &&
    value.id.length > 0 &&
    value.rawId === value.id &&
    value.type === 'public-key' &&
    isRecord(inner) &&
    fields.every((field) => typeof inner[field] === 'string' && (inner[field] as string).length > 0);
  if (!ok) throw refuse('response', `not a ${what} response (id, rawId, type 'public-key' and response.${fields.join(', response.')} are required)`);
}

/** Refuses anything that is not shaped like `PublicKeyCredential.toJSON()` of a registration. */
export function checkRegistrationShape(value: unknown): asserts value is RegistrationResponseJSON {
  checkEnvelope(value, ['clientDataJSON', 'attestationObject'], 'registration');
}

/** Refuses anything that is not shaped like `PublicKeyCredential.toJSON()` of an authentication. */
export function checkAuthenticationShape(value: unknown): asserts value is AuthenticationResponseJSON {
  checkEnvelope(value, ['clientDataJSON', 'authenticatorData', 'signature'], 'authentication');
}
