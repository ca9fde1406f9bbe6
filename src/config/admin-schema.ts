import { z } from 'zod';

/** The admin API: how long operators' tokens live, how long a two-person action waits, and who may read `/metrics`. */
export const adminSchema = z
  .strictObject({
    tokens: z
      .strictObject({
        defaultDays: z.number().int().min(1).default(90).describe('a token lives this many days unless `--expires` says otherwise'),
        maxDays: z.number().int().min(1).max(3650).default(365).describe('the most days a token may live; a longer `--expires` is refused'),
      })
      .prefault({})
      .refine((t) => t.defaultDays <= t.maxDays, { message: 'defaultDays must not exceed maxDays', path: ['defaultDays'] }),
    pendingActions: z
      .strictObject({
        expiryHours: z.number().int().min(1).max(720).default(24).describe('a two-person action not confirmed within this many hours expires'),
      })
      .prefault({}),
    metrics: z.enum(['loopback', 'auditor']).default('loopback').describe('who may read GET /metrics: `loopback` (callers on this machine, no token) or `auditor` (a token with the auditor role)'),
  })
  .prefault({});

export type AdminConfig = z.infer<typeof adminSchema>;
