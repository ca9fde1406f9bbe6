import { z } from '@hono/zod-openapi';

// Documents stay loose here: the policy checker answers 422 MUSTER_ERR_POLICY naming each field.
const PolicyDocument = z.record(z.string(), z.unknown()).openapi('PolicyDocument', {
  description:
    'A birthright document `{ kind: "birthright", description, when: [clause], grants: [{ target, groups: [{ name, privileged }] }] }`, a condition `{ kind: "condition", description, when: [clause], suspend: { privileged, targets, groups } }`, or a separation of duties `{ kind: "separation", description, sides: [[{ target, group } or { role }], [...]] }`; a clause is `{ attribute, in: [..] }` or `{ attribute, notIn: [..] }`',
});

export const PolicyName = z.string().min(1).max(64).openapi({ description: 'lower-case letters, digits, ".", "-" and "_", starting with a letter' });

export const PolicyVersion = z
  .object({
    name: z.string(),
    version: z.number().int(),
    kind: z.enum(['birthright', 'condition']),
    document: PolicyDocument,
    enabled: z.boolean(),
    author: z.string(),
    reason: z.string(),
    createdAt: z.string(),
  })
  .openapi('PolicyVersion');

export const SavePolicy = z
  .object({ document: PolicyDocument, reason: z.string().min(1).max(1000) })
  .strict()
  .openapi('PolicySave');

export const DryRunRequest = z
  .object({
    proposed: z.record(z.string(), PolicyDocument.nullable()).optional().openapi({ description: 'name → document to try instead of the one in force, or null to leave one out' }),
    identityIds: z.array(z.guid()).max(10_000).optional().openapi({ description: 'only these identities (default: everyone who has or may get access)' }),
  })
  .strict()
  .openapi('PolicyDryRunRequest');

const EntitlementChange = z.object({ target: z.string(), group: z.string(), privileged: z.boolean(), policies: z.array(z.string()), reason: z.string() });

const AccessChange = z
  .object({
    accounts: z.array(
      z.object({
        target: z.string(),
        key: z.string(),
        action: z.enum(['create', 'enable', 'disable', 'update']),
        fields: z.record(z.string(), z.unknown()),
        changedFields: z.array(z.string()),
        reason: z.string(),
      }),
    ),
    granted: z.array(EntitlementChange),
    removed: z.array(EntitlementChange),
    suspended: z.array(EntitlementChange),
    resumed: z.array(EntitlementChange),
    targets: z.array(z.string()),
  })
  .openapi('AccessChange');

export const DryRunResult = z
  .object({
    policies: z.array(z.object({ name: z.string(), version: z.union([z.number().int(), z.literal('proposed')]) })),
    identities: z.number().int().openapi({ description: 'identities planned' }),
    changed: z.number().int().openapi({ description: 'identities whose access would change (all of them, whatever the limit)' }),
    summary: z.record(z.string(), z.number().int()).openapi({ description: '`<target>.<action>` → count over every change, e.g. `ldap.create`, `ldap.grant`, `ldap.remove`' }),
    changes: z.array(z.object({ identityId: z.string(), label: z.string().nullable(), change: AccessChange })).openapi({ description: 'per identity, at most `limit`' }),
    truncated: z.boolean(),
  })
  .openapi('PolicyDryRun');
