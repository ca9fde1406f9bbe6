import type { StoredInteraction } from '../provider-shapes.ts';
import { SignInRefused } from '../refusal.ts';

/** The account the interaction's session signed in, which consent is about. */
export function requireAccount(interaction: StoredInteraction): string {
  const accountId = interaction.session?.accountId;
  if (!accountId) throw new SignInRefused('interaction-expired', 'you are not signed in any more; return to the service and start again');
  return accountId;
}
