import type { Exchange } from '../exchange.ts';
import type { Answer } from '../pages.ts';
import type { StoredInteraction } from '../provider-shapes.ts';
import type { InteractionParty } from '../sign-in.ts';
import type { VerifiedLogin } from '../steps.ts';

/**
 * What one request to a sign-in page has loaded, once, for its steps: the interaction, the relying party and its
 * agreement, and the verified sign-in with the audit detail of how it was made. Each step reads what the steps before
 * it loaded and adds its own; the last one answers.
 */
export interface SignInContext {
  readonly x: Exchange;
  interaction?: StoredInteraction;
  party?: InteractionParty;
  login?: VerifiedLogin;
  /** Whether a campaign revoked any access of the person to a relying party, when the sign-in's own query read it (false: no need to look). */
  rpRevoked?: boolean;
  /** How the sign-in was made, for its audit entry (method, certificate serial and issuer, authenticator). */
  detail?: Record<string, unknown>;
  answer?: Answer;
}

/** One rule of a sign-in page: it refuses (throws SignInRefused), adds to the context, or answers. */
export type SignInStep = (c: SignInContext) => Promise<void> | void;

/** Runs the steps in order until one answers. */
export async function runPipeline(steps: readonly SignInStep[], x: Exchange): Promise<Answer> {
  const c: SignInContext = { x };
  for (const step of steps) {
    await step(c);
    if (c.answer) return c.answer;
  }
  throw new TypeError('a sign-in pipeline ended without an answer');
}

/** What an earlier step must have loaded; a pipeline that lacks it is put together wrongly. */
export function loaded<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new TypeError(`a sign-in step needs the ${what}, which no earlier step loaded`);
  return value;
}
