import { join } from 'node:path';
import { actingThrough } from '../audit/acting.ts';
import { MusterError } from '../core/errors.ts';
import type { OperatorPrincipal } from '../operators/principal.ts';
import { authenticate } from '../operators/tokens.ts';
import type { Muster } from './context.ts';
import type { DemoTokens } from './demo-operators.ts';
import { type DemoPivResult, issueDemoPivCard } from './demo-piv.ts';

/** The PKCS#12 password of the demo operators' cards (as of `muster demo piv`). */
export const DEMO_CARD_PASSWORD = 'muster';

/** The people of the cast who get a card, and the issuer of their card: never themselves. */
const CARDHOLDERS = [
  ['operator-admin', 'issuer'],
  ['security-officer', 'issuer'],
  ['auditor', 'issuer'],
  ['sponsor', 'issuer-2'], // the issuer also sponsors: it sponsors this card, so another issues it
  ['registrar', 'issuer'],
  ['registrar-2', 'issuer'],
  ['issuer', 'issuer-2'],
  ['issuer-2', 'issuer'],
  ['federation-admin', 'issuer'],
  ['federation-admin-2', 'issuer'],
] as const satisfies readonly (readonly [keyof DemoTokens, keyof DemoTokens])[];

export type DemoCards = Readonly<Record<string, DemoPivResult['files']>>;

/**
 * A software PIV card for each person of the demo cast, issued through the separation of duties of any card: the
 * demo sponsor (or the issuer, for the sponsor's own card) sponsors it, a registrar who is not the holder proofs it,
 * and an issuer who is neither issues and activates it, each as the operator it is (the issuer through its token).
 * Written to `<folder>/cards/<name>-piv-auth.p12` (password `muster`) and `.pem`, 0600: the console signs in with them.
 */
export async function seedDemoOperatorCards(ctx: Muster, folder: string, tokens: DemoTokens, correlationId: string): Promise<DemoCards> {
  const out = join(folder, 'cards');
  const principals = new Map<string, OperatorPrincipal>();
  const operator = async (name: keyof DemoTokens): Promise<OperatorPrincipal> => {
    const known = principals.get(name) ?? (await authenticate(ctx.store, ctx.clock, tokens[name]));
    if (!known) throw new MusterError('MUSTER_ERR_INTERNAL', `the demo ${name} token does not authenticate`);
    principals.set(name, known);
    return known;
  };
  const cards: Record<string, DemoPivResult['files']> = {};
  for (const [holder, issuerName] of CARDHOLDERS) {
    const [person, issuer] = [await operator(holder), await operator(issuerName)];
    const by = { actor: issuer.actor, correlationId };
    const issued = await actingThrough({ actor: issuer.actor, tokenId: issuer.tokenId }, () =>
      issueDemoPivCard(ctx, person.identityId, out, DEMO_CARD_PASSWORD, by, { fileName: holder, algorithm: 'p-256' }),
    );
    cards[holder] = issued.files;
  }
  return cards;
}
