import { partyOf } from '../sign-in.ts';
import { loaded, type SignInStep } from './context.ts';

/** The relying party of the interaction, through its active trust agreement (refused without one). */
export const loadParty: SignInStep = async (c) => {
  c.party = await partyOf(c.x.deps.store, loaded(c.interaction, 'interaction'));
};
