// An OP for the attack tests: muster's provider with muster's interaction policy (reauthentication, AAL, agreement
// checks), on a loopback port over the harness's store. Its sign-in page takes the identity set in `next` as verified
// (no card is read) and finishes the sign-in the way the PIV and FIDO2 pages do (finishWith: audited, handed to
// oidc-provider, recorded by the session that resumes it); consent is granted for what was asked.
import { grantWhatWasAsked, serveTestOp } from '../../src/protocols/oidc/test-support.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import type { Aal } from '../../src/core/federation/profile.ts';
import { createPolicy } from '../../src/protocols/oidc/interactions/policy.ts';
import type { InteractionProvider } from '../../src/protocols/oidc/interactions/provider-shapes.ts';
import { finishWith } from '../../src/protocols/oidc/interactions/pipeline/finish-sign-in.ts';
import { partyOf } from '../../src/protocols/oidc/interactions/sign-in.ts';
import type { Harness } from '../support/muster.ts';

export interface NextSignIn {
  readonly identityId: string;
  readonly credentialId: string;
  readonly aal?: Aal;
}

export interface AttackOp {
  readonly issuer: string;
  readonly provider: Provider;
  /** Who signs in at the next login prompt. */
  next: NextSignIn | undefined;
  /** How many login prompts were shown. */
  logins: number;
  close(): Promise<void>;
}

async function signIn(op: AttackOp, h: Harness, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const provider: InteractionProvider = op.provider;
  const interaction = await provider.interactionDetails(req, res);
  if (interaction.prompt.name === 'login') {
    op.logins += 1;
    const who = op.next;
    if (!who) throw new Error('no sign-in set for the login prompt');
    const aal = who.aal ?? 'aal3';
    const login = { identityId: who.identityId, credentialId: who.credentialId, credentialType: 'piv_card' as const, aal, amr: ['sc', 'pin', 'mfa'], certThumbprint: null, authTime: h.clock.now() };
    const location = await finishWith(h, { provider }, interaction, await partyOf(h.store, interaction), login, { method: 'test' });
    res.writeHead(303, { location }).end();
    return true;
  }
  await grantWhatWasAsked(op.provider, req, res, interaction as never);
  return true;
}

/** Starts the OP on 127.0.0.1 (issuer `http://127.0.0.1:<port>/oidc`). */
export async function startAttackOp(h: Harness): Promise<AttackOp> {
  let op: AttackOp | undefined;
  const served = await serveTestOp(h, { policy: createPolicy({ store: h.store, clock: h.clock }), handle: (_provider, req, res) => signIn(op as AttackOp, h, req, res) });
  op = { ...served, next: undefined, logins: 0 };
  return op;
}
