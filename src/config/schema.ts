import { isIP } from 'node:net';
import { z } from 'zod';
import { adminSchema } from './admin-schema.ts';
import { AGENCY_NETWORK_RANGES } from '../core/network-ranges.ts';
import { CDM_OBJECTS, IDENTITY_ATTRIBUTES } from '../core/identity/attributes.ts';
import { credentialSchema, pkiSchema } from './pki-schema.ts';
import { lifecycleSchema, targetsSchema } from './targets-schema.ts';
import { federationSchema } from './federation-schema.ts';
import { cidrRange, serverTlsSchema } from './network.ts';
import { limitsSchema } from './limits-schema.ts';

/** pino's levels, most severe first; 'silent' writes nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const SOURCE_KINDS = ['hr', 'npe', 'vetting', 'training'] as const;

/** An IP address or a CIDR range (`10.0.0.0/8`, `fd00::/8`). */
const cidr = z.string().refine(
  (text) => {
    const [address = '', prefix] = text.split('/');
    const family = isIP(address);
    return family !== 0 && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)));
  },
  { message: 'must be an IP address or CIDR range, e.g. 10.0.0.0/8' },
);

const authorityName = z.enum([...CDM_OBJECTS, ...IDENTITY_ATTRIBUTES.map((a) => a.name)] as [string, ...string[]]);

const source = z.strictObject({
  kind: z.enum(SOURCE_KINDS).describe('which feed format the source speaks'),
  authoritative: z.array(authorityName).min(1).describe('CDM objects or single attributes this source may change'),
  mayCreate: z.boolean().default(false).describe('whether an unmatched record creates a new identity'),
});

const correlationRule = z.strictObject({
  name: z.string().min(1),
  attributes: z.array(z.enum(IDENTITY_ATTRIBUTES.map((a) => a.name) as [string, ...string[]])).min(1),
  confidence: z.number().min(0).max(1),
});

export const DEFAULT_SOURCES = {
  hr: { kind: 'hr', authoritative: ['USER', 'ROLE', 'STATUS'], mayCreate: true },
  npe: { kind: 'npe', authoritative: ['USER', 'ROLE', 'STATUS'], mayCreate: true },
  vetting: { kind: 'vetting', authoritative: ['TRUST'], mayCreate: false },
  training: { kind: 'training', authoritative: ['BEHAVE'], mayCreate: false },
} as const;

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1').describe('address muster serve listens on'),
      port: z.number().int().min(0).max(65535).default(8080).describe('port muster serve listens on'),
      maxJsonBytes: z
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(1024 * 1024)
        .describe('largest JSON body the admin API reads; a larger one is refused with 413 before it is read'),
      limits: limitsSchema.prefault({}),
      tls: serverTlsSchema.optional().describe('serve the main listener over TLS with this certificate and key'),
      trustedProxies: z.array(cidrRange).max(100).default([]).describe('addresses or CIDR ranges of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed'),
    })
    .prefault({}),
  profile: z.enum(['demo', 'production']).default('demo').describe('production refuses a start whose key passphrase is kept inside dataDir'),
  dataDir: z.string().min(1).default('./data').describe('folder for embedded data (PGlite), the audit signing key and held import files'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional()
    .describe('PostgreSQL server; when unset the embedded PGlite store is used'),
  agency: z
    .strictObject({
      code: z
        .string()
        .regex(/^[0-9A-Z]{4}$/, 'must be a 4-character SP 800-87 agency code')
        .default('9700'),
      name: z.string().min(1).default('Demo Agency'),
    })
    .prefault({}),
  audit: z
    .strictObject({
      checkpointInterval: z.number().int().min(1).default(1000).describe('a signed checkpoint every N audit entries'),
      signingKeyFile: z.string().optional().describe('Ed25519 PKCS#8 PEM; default <dataDir>/audit-signing-key.pem, created on first start'),
    })
    .prefault({}),
  import: z
    .strictObject({
      massChangeShare: z.number().min(0).max(1).default(0.05).describe('hold a snapshot that would terminate more than this share of identities'),
      massChangeCount: z.number().int().min(1).optional().describe('also hold a snapshot that would terminate more than this many identities (unset: share only)'),
      maxFileBytes: z
        .number()
        .int()
        .min(1)
        .default(4 * 1024 ** 3),
      batchSize: z.number().int().min(1).max(100_000).default(5000),
      heldExpiryDays: z.number().positive().max(365).default(7).describe('a held snapshot not confirmed within this many days is expired and its kept file removed'),
    })
    .prefault({}),
  correlation: z
    .strictObject({
      autoLinkConfidence: z.number().min(0).max(1).default(0.9).describe('a single candidate at or above this confidence is linked; below it makes a disputed case'),
      rules: z.array(correlationRule).default([
        { name: 'email', attributes: ['email'], confidence: 0.95 },
        { name: 'name-and-department', attributes: ['family_name', 'given_name', 'department'], confidence: 0.6 },
      ]),
    })
    .prefault({}),
  sources: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/), source).default(DEFAULT_SOURCES as never),
  pki: pkiSchema.prefault({}),
  credentials: credentialSchema.prefault({}),
  targets: targetsSchema,
  lifecycle: lifecycleSchema.prefault({}),
  federation: federationSchema.prefault({}),
  admin: adminSchema,
  governance: z
    .strictObject({
      requests: z
        .strictObject({
          moverReapproval: z.boolean().default(true).describe("on a mover, requested access is kept only once each item's owner approves it again"),
          approvalTimeoutHours: z
            .number()
            .int()
            .min(1)
            .max(720)
            .default(72)
            .describe('an approval step left undecided this long escalates to the approver’s manager; as long again, the request expires'),
          jitFreshSeconds: z.number().int().min(30).max(900).default(300).describe('a just-in-time activation needs an AAL3 sign-in (or a signed challenge) at most this old'),
        })
        .prefault({}),
    })
    .prefault({}),
  workers: z
    .strictObject({
      enabled: z.boolean().default(true),
      pollMs: z.number().int().min(10).default(500),
      maxAttempts: z.number().int().min(1).default(8),
      leaseSeconds: z.number().int().min(1).max(3600).default(300).describe("how long a worker holds claimed work before another may take it over (a crashed worker's work waits this long)"),
    })
    .prefault({}),
  outbound: z
    .strictObject({
      agencyNetworks: z
        .array(cidr)
        .default([...AGENCY_NETWORK_RANGES])
        .describe(
          "special-use address ranges the agency's own targets (account targets, ticket endpoints, notification webhooks, CRL repositories) may be at; never used for URLs a relying party chose",
        ),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(LOG_LEVELS).default('info').describe('least severe JSON log line written to stderr by serve and worker'),
    })
    .prefault({}),
});

export type MusterConfig = z.infer<typeof configSchema>;
export type SourceConfig = z.infer<typeof source>;
export type CorrelationRule = z.infer<typeof correlationRule>;
