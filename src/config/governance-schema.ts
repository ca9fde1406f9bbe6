import { z } from 'zod';

/** Governance: access requests, certification campaigns and the retention of terminated identities (docs/governance.md). */
export const governanceSchema = z.strictObject({
  requests: z
    .strictObject({
      moverReapproval: z.boolean().default(true).describe("on a mover, requested access is kept only once each item's owner approves it again"),
      approvalTimeoutHours: z.number().int().min(1).max(720).default(72).describe('an approval step left undecided this long escalates to the approver’s manager; as long again, the request expires'),
      jitFreshSeconds: z.number().int().min(30).max(900).default(300).describe('a just-in-time activation needs an AAL3 sign-in (or a signed challenge) at most this old'),
    })
    .prefault({}),
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
