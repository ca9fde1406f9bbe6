import { SignInRefused } from '../refusal.ts';
import type { SignInStep } from './context.ts';

/**
 * This browser's interaction (its interaction cookie), which must be the one in the path and, when `prompt` is
 * given, waiting at that prompt.
 */
export function ownInteraction(prompt?: 'login' | 'consent'): SignInStep {
  return async (c) => {
    const interaction = await c.x.provider.interactionDetails(c.x.req, c.x.res);
    if (interaction.uid !== c.x.uid || (prompt !== undefined && interaction.prompt.name !== prompt))
      throw new SignInRefused('interaction-expired', 'this sign-in page does not belong to your current sign-in; return to the service and start again');
    c.x.clientId = String(interaction.params.client_id ?? '');
    c.interaction = interaction;
  };
}
