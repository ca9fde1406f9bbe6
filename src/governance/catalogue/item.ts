import { z } from 'zod';
import { MusterError } from '../../core/errors.ts';
import { isFixedRole } from '../../core/operators/roles.ts';

/**
 * A catalogue item: access a person may request. `group` gives a group (entitlement) in a target, `role` an
 * operator role, `rp` access to a relying party under a trust agreement. Each names its owners (identities of
 * the MUR), whether it is privileged, the longest a grant may last, and the approval chain a request walks:
 * `manager` (the beneficiary's manager in the MUR), `owner` (any one owner), `owners:2` (two different owners),
 * or `auto` alone for low-risk access. A privileged item may be `jit`: a grant makes its holder eligible, and the
 * access itself is activated for at most `activationHours` at a time after a fresh AAL3 sign-in.
 */
export const ITEM_KINDS = ['group', 'role', 'rp'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export const APPROVAL_STEPS = ['manager', 'owner', 'owners:2', 'auto'] as const;
export type ApprovalStep = (typeof APPROVAL_STEPS)[number];

export const ITEM_NAME = /^[a-z][a-z0-9._-]{0,63}$/;
const TARGET_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

const common = {
  description: z.string().min(1).max(1000),
  owners: z.array(z.guid()).min(1).max(20),
  privileged: z.boolean().default(false),
  maxDays: z.number().int().min(1).max(3650),
  approvals: z.array(z.enum(APPROVAL_STEPS)).min(1).max(4),
  activation: z.enum(['standing', 'jit']).default('standing'),
  activationHours: z.number().int().min(1).max(24).optional(),
};

const groupItem = z.strictObject({ kind: z.literal('group'), ...common, target: z.string().regex(TARGET_NAME, 'a target name'), group: z.string().min(1).max(256) });
const roleItem = z.strictObject({ kind: z.literal('role'), ...common, role: z.string().refine(isFixedRole, { message: 'an operator role (docs/operators.md)' }) });
const rpItem = z.strictObject({ kind: z.literal('rp'), ...common, agreement: z.string().min(1).max(128) });

export const itemDocumentSchema = z.discriminatedUnion('kind', [groupItem, roleItem, rpItem]);
export type ItemDocument = z.infer<typeof itemDocumentSchema>;

type Problem = { field: string; message: string };

/** Checks an item document: its shape, its approval chain, jit only when privileged, a target that is configured. */
export function checkItem(name: string, input: unknown, knownTargets: readonly string[]): ItemDocument {
  const problems: Problem[] = [];
  if (!ITEM_NAME.test(name)) problems.push({ field: 'name', message: 'lower-case letters, digits, ".", "-" and "_", at most 64, starting with a letter' });
  const parsed = itemDocumentSchema.safeParse(input);
  if (!parsed.success) for (const issue of parsed.error.issues) problems.push({ field: issue.path.join('.') || 'document', message: issue.message });
  if (parsed.success) problems.push(...ruleProblems(parsed.data, knownTargets));
  if (problems.length > 0 || !parsed.success) {
    throw new MusterError('MUSTER_ERR_CATALOGUE', `catalogue item '${name}' has ${problems.length} problem(s): ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
  }
  return parsed.data;
}

function ruleProblems(doc: ItemDocument, knownTargets: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  if (doc.approvals.includes('auto') && doc.approvals.length > 1) problems.push({ field: 'approvals', message: 'auto stands alone' });
  if (doc.approvals.includes('auto') && doc.privileged) problems.push({ field: 'approvals', message: 'privileged access is never approved automatically' });
  if (new Set(doc.approvals).size !== doc.approvals.length) problems.push({ field: 'approvals', message: 'a step appears twice' });
  if (doc.approvals.includes('owners:2') && new Set(doc.owners).size < 2) problems.push({ field: 'owners', message: 'owners:2 needs at least two owners' });
  if (doc.activation === 'jit' && !doc.privileged) problems.push({ field: 'activation', message: 'just-in-time activation is for privileged items' });
  if (doc.activation === 'jit' && doc.kind !== 'group') problems.push({ field: 'activation', message: 'just-in-time activation is for groups in targets' });
  if (doc.activation === 'jit' && doc.activationHours === undefined) problems.push({ field: 'activationHours', message: 'a jit item names how long an activation lasts' });
  if (doc.kind === 'group' && !knownTargets.includes(doc.target)) problems.push({ field: 'target', message: `no target '${doc.target}' is configured (known: ${knownTargets.join(', ') || 'none'})` });
  return problems;
}
