import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { actingThrough } from '../audit/acting.ts';
import type { ExpectedChanges } from '../demo/index.ts';
import type { IdentityState } from '../core/identity/record.ts';
import { MusterError } from '../core/errors.ts';
import { trustEligibility } from '../credentials/holder-repository.ts';
import { findByAttributes } from '../mur/identity-repository.ts';
import { bootstrapOperator, grantRole } from '../operators/roles.ts';
import { authenticate, createToken } from '../operators/tokens.ts';
import type { Muster } from './context.ts';
import { operatorDeps } from './operators.ts';

/** The demo's cast: who they are, what they hold, and the file (under `<demo>/tokens/`) their token goes to. */
const CAST = [
  { file: 'operator-admin', kind: 'person', roles: ['operator-admin'] },
  { file: 'security-officer', kind: 'person', roles: ['security-officer'] },
  { file: 'auditor', kind: 'person', roles: ['auditor'] },
  { file: 'sponsor', kind: 'person', roles: ['sponsor'] },
  { file: 'registrar', kind: 'person', roles: ['registrar'] },
  // the issuer may sponsor too: the walk-through shows one person as sponsor and issuer of a card refused
  { file: 'issuer', kind: 'person', roles: ['issuer', 'sponsor'] },
  // no one proofs or issues their own card: the registrar's is proofed by a second registrar, the issuer's issued by a second issuer
  { file: 'registrar-2', kind: 'person', roles: ['registrar'] },
  { file: 'issuer-2', kind: 'person', roles: ['issuer'] },
  { file: 'federation-admin', kind: 'person', roles: ['federation-admin'] },
  { file: 'federation-admin-2', kind: 'person', roles: ['federation-admin'] },
  { file: 'hr-feed', kind: 'npe', roles: ['source-feed:hr'] },
] as const;

/** TRUST eligibility on which a PIV card is issued. */
const CARD_ELIGIBILITY: ReadonlySet<string> = new Set(['favorable', 'interim']);

/** Tokens of the demo operators, by file name. */
export type DemoTokens = Readonly<Record<(typeof CAST)[number]['file'], string>>;

/**
 * Makes operators of a few demo identities that the next day's snapshot and the walk-through leave
 * alone (so their tokens outlive both): the first through the bootstrap, the others granted and
 * issued by it, as an operator-admin would. Writes each token to `<folder>/tokens/<name>` (0600).
 */
export async function seedDemoOperators(ctx: Muster, folder: string, day0: { hr: string; npe: string }, changes: ExpectedChanges, actor: string, correlationId: string): Promise<DemoTokens> {
  const [admin, ...others] = await pickCast(ctx, day0, changes);
  const deps = operatorDeps(ctx);
  const boot = await bootstrapOperator(deps, { identityId: (admin as IdentityState).id, roles: CAST[0].roles, reason: 'demo: the operator-admin' }, actor, correlationId);
  const by = await authenticate(ctx.store, ctx.clock, boot.token);
  if (!by) throw new MusterError('MUSTER_ERR_INTERNAL', 'the demo operator-admin token does not authenticate');
  const tokens: Record<string, string> = { [CAST[0].file]: boot.token };
  await actingThrough({ actor: by.actor, tokenId: by.tokenId }, async () => {
    for (const [i, who] of others.entries()) {
      const part = CAST[i + 1] as (typeof CAST)[number];
      for (const role of part.roles) await grantRole(deps, by, { identityId: who.id, role, reason: `demo: the ${part.file}` }, correlationId);
      tokens[part.file] = (await createToken(deps, by, { identityId: who.id, roles: part.roles, name: `demo ${part.file}` }, correlationId)).token;
    }
  });
  await writeTokens(join(folder, 'tokens'), tokens);
  return tokens as DemoTokens;
}

/** Active people a PIV card may be issued to (TRUST favorable or interim) and an NPE that the day-1 snapshot does not change, and not the first rows the walk-through uses. */
async function pickCast(ctx: Muster, files: { hr: string; npe: string }, changes: ExpectedChanges): Promise<IdentityState[]> {
  const hr = await firstColumn(files.hr);
  const touched = new Set([...Object.values(changes).flat(), ...hr.slice(0, 5)]);
  const quiet = hr.filter((id) => !touched.has(id)).slice(-40);
  const people: IdentityState[] = [];
  for (const s of await findByAttributes(
    ctx.store,
    ['employee_id'],
    quiet.map((id) => [id]),
  )) {
    if (s.status === 'active' && s.kind === 'person' && CARD_ELIGIBILITY.has((await trustEligibility(ctx.store, s.id)) ?? '')) people.push(s);
  }
  const npes = (
    await findByAttributes(
      ctx.store,
      ['npe_id'],
      (await firstColumn(files.npe)).map((id) => [id]),
    )
  ).filter((s) => s.status === 'active');
  const npe = npes.sort((a, b) => (b.expiresAt ?? '9999').localeCompare(a.expiresAt ?? '9999'))[0];
  const cast = [...people.slice(0, CAST.length - 1), npe].filter((s): s is IdentityState => s !== undefined);
  if (cast.length < CAST.length) throw new MusterError('MUSTER_ERR_INTERNAL', 'the demo agency has too few quiet identities to make operators of');
  return cast;
}

/** The first column of a CSV file, header left out. */
async function firstColumn(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0] ?? '');
}

async function writeTokens(dir: string, tokens: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [name, token] of Object.entries(tokens)) {
    const file = join(dir, name);
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
  }
}
