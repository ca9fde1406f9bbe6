import { SignInRefused } from '../refusal.ts';
import type { SignInStep } from './context.ts';

/**
 * The interaction named in the path, waiting for a sign-in. On the mutual-TLS origin the browser's interaction cookie
 * is not sent: the one-time ticket back on the issuer's origin binds the sign-in to the browser that started it.
 */
export const findInteraction: SignInStep = async (c) => {
  const interaction = await c.x.provider.Interaction.find(c.x.uid);
  if (!interaction || interaction.prompt.name !== 'login') throw new SignInRefused('interaction-expired', 'this sign-in has expired; return to the service and start again');
  c.x.clientId = String(interaction.params.client_id ?? '');
  c.interaction = interaction;
};
