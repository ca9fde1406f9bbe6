import type { AnyRecord, StoredInteraction } from '../provider-shapes.ts';

/**
 * oidc-provider's `interactionResult` on the interaction this request has already loaded and checked (its cookie, its
 * session): the result is saved once, without finding the interaction and its session again. Returns where the browser
 * goes next. The remaining lifetime is reckoned as oidc-provider reckons it: its `exp` is on the wall clock.
 */
export async function settleInteraction(interaction: StoredInteraction, result: AnyRecord, mergeWithLastSubmission: boolean): Promise<string> {
  interaction.result = mergeWithLastSubmission && !('error' in result) ? { ...interaction.lastSubmission, ...result } : result;
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  return interaction.returnTo;
}
