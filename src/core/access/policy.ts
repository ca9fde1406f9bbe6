import { z } from 'zod';
import { MusterError } from '../errors.ts';
import { IDENTITY_ATTRIBUTES } from '../identity/attributes.ts';

/**
 * Access policies: declarative documents over MUR attributes. A `birthright` policy gives accounts
 * and group entitlements in targets to everyone its conditions match; a `condition` policy holds
 * entitlements back (suspends them) while its conditions match, e.g. expired security training. A `separation`
 * policy names two sets of entitlements (groups of targets, operator roles) no one may hold from both at once.
 */
export const POLICY_KINDS = ['birthright', 'condition', 'separation'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

/** Attributes a clause may test besides the identity attributes: `kind`, TRUST, and `behave:<course>`. */
export const SUBJECT_ATTRIBUTES: readonly string[] = Object.freeze(['kind', 'trust.eligibility', 'trust.status', ...IDENTITY_ATTRIBUTES.map((a) => a.name)]);
export const BEHAVE_PREFIX = 'behave:';

const attributeName = z
  .string()
  .min(1)
  .refine((name) => SUBJECT_ATTRIBUTES.includes(name) || (name.startsWith(BEHAVE_PREFIX) && name.length > BEHAVE_PREFIX.length), {
    message: `unknown attribute: use one of ${SUBJECT_ATTRIBUTES.join(', ')}, or behave:<course>`,
  });

const values = z.array(z.string()).min(1);
const clause = z
  .strictObject({ attribute: attributeName, in: values.optional(), notIn: values.optional() })
  .refine((c) => (c.in === undefined) !== (c.notIn === undefined), { message: 'a clause has exactly one of in, notIn' });

const targetName = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a target name');
const group = z.strictObject({ name: z.string().min(1).max(256), privileged: z.boolean().default(false) });
const grant = z.strictObject({ target: targetName, groups: z.array(group).default([]) });

const birthright = z.strictObject({
  kind: z.literal('birthright'),
  description: z.string().min(1).max(1000),
  when: z.array(clause).default([]),
  grants: z.array(grant).min(1),
});

const condition = z.strictObject({
  kind: z.literal('condition'),
  description: z.string().min(1).max(1000),
  when: z.array(clause).min(1),
  suspend: z
    .strictObject({
      privileged: z.boolean().default(false).describe('every privileged entitlement'),
      targets: z.array(targetName).optional(),
      groups: z.array(z.string().min(1)).optional(),
    })
    .refine((s) => s.privileged || s.targets !== undefined || s.groups !== undefined, { message: 'name what to suspend: privileged, targets or groups' }),
});

const held = z.union([z.strictObject({ target: targetName, group: z.string().min(1).max(256) }), z.strictObject({ role: z.string().min(1).max(64) })]);
const separation = z.strictObject({
  kind: z.literal('separation'),
  description: z.string().min(1).max(1000),
  sides: z.tuple([z.array(held).min(1), z.array(held).min(1)]).describe('two sets of entitlements: holding one of each is a conflict'),
});

export const policyDocumentSchema = z.discriminatedUnion('kind', [birthright, condition, separation]);
export type PolicyDocument = z.infer<typeof policyDocumentSchema>;
export type BirthrightPolicy = z.infer<typeof birthright>;
export type ConditionPolicy = z.infer<typeof condition>;
export type SeparationPolicy = z.infer<typeof separation>;
/** An entitlement as separation of duties sees it: a group of a target, or an operator role. */
export type HeldEntitlement = z.infer<typeof held>;
export type Clause = z.infer<typeof clause>;

/** A policy in force: its name and version with the checked document. */
export interface Policy {
  readonly name: string;
  readonly version: number;
  readonly document: PolicyDocument;
}

export const POLICY_NAME = /^[a-z][a-z0-9._-]{0,63}$/;

/**
 * Checks a policy document: its shape, its attribute names, and that every target it names exists.
 * Refuses with MUSTER_ERR_POLICY, each problem named by its path.
 */
export function checkPolicy(name: string, input: unknown, knownTargets: readonly string[]): PolicyDocument {
  const problems: { field: string; message: string }[] = [];
  if (!POLICY_NAME.test(name)) problems.push({ field: 'name', message: 'lower-case letters, digits, ".", "-" and "_", at most 64, starting with a letter' });
  const parsed = policyDocumentSchema.safeParse(input);
  if (!parsed.success) for (const issue of parsed.error.issues) problems.push({ field: issue.path.join('.') || 'document', message: issue.message });
  if (parsed.success) problems.push(...unknownTargets(parsed.data, knownTargets));
  if (problems.length > 0 || !parsed.success) {
    throw new MusterError('MUSTER_ERR_POLICY', `policy '${name}' has ${problems.length} problem(s): ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
  }
  return parsed.data;
}

function unknownTargets(doc: PolicyDocument, known: readonly string[]): { field: string; message: string }[] {
  const named =
    doc.kind === 'birthright'
      ? doc.grants.map((g, i) => [`grants.${i}.target`, g.target] as const)
      : doc.kind === 'condition'
        ? (doc.suspend.targets ?? []).map((t, i) => [`suspend.targets.${i}`, t] as const)
        : doc.sides.flatMap((side, s) => side.flatMap((h, i) => ('target' in h ? [[`sides.${s}.${i}.target`, h.target] as const] : [])));
  return named.filter(([, target]) => !known.includes(target)).map(([field, target]) => ({ field, message: `no target '${target}' is configured (known: ${known.join(', ') || 'none'})` }));
}
