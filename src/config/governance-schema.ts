import { z } from 'zod';

/** Governance: certification campaigns and the retention of terminated identities (docs/governance.md). */
export const governanceSchema = z.strictObject({
  campaigns: z
    .strictObject({
      remindEveryDays: z.number().int().min(1).max(90).default(3).describe('a reviewer with items left is reminded this often while the campaign is open'),
      owners: z
        .record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/), z.uuid())
        .default({})
        .describe('the owner (an identity id) who reviews the entitlements of each target when a campaign has `--reviewers owner`'),
      escalateTo: z.string().default('security-officer').describe('the operator role whose holders receive the items escalated at the due date'),
    })
    .prefault({}),
  retention: z
    .strictObject({
      archiveAfterDays: z.number().int().min(1).default(2555).describe('days after termination an identity passes to archived (read-only, kept with its history and audit)'),
    })
    .prefault({}),
});
