/**
 * Who may import whom, as data: one entry per folder under src/ (and src/index.ts), read from the
 * parts table of the architecture (docs/architecture.md). `uses` names the other parts a production
 * file may import; a part not named is refused. Tests (`*.test.ts`) and test support (`test-*.ts`)
 * may import anything; production files may import neither.
 */
export interface PartRule {
  /** what the part owns, one line */
  readonly owns: string;
  /** the other parts its production files may import */
  readonly uses: readonly string[];
  /** parts of `uses` it may take types from, never values */
  readonly typesOnly?: readonly string[];
  /** parts of `uses` it may reach only through these files (its ports) */
  readonly through?: Readonly<Record<string, readonly string[]>>;
  /** when present, the only packages (and node: builtins) it may import */
  readonly packagesOnly?: readonly string[];
  /** packages it must never import */
  readonly packagesNever?: readonly string[];
  /** a face: the only parts that may import the web framework */
  readonly face?: boolean;
  /** why a part that the architecture does not list has the rule it has */
  readonly why?: string;
}

/** The storage drivers and query builder: a connector never reaches into the store. */
const STORE_PACKAGES = ['pg', 'pg-copy-streams', '@electric-sql/pglite', 'kysely'];

/** Every service may write its audit records (in the same transaction as the change) and take its settings' schema and defaults from config/. */
const SERVICE_BASE = ['core', 'config', 'store', 'audit'];

const SERVICES = ['mur', 'sources', 'lifecycle', 'pki', 'credentials', 'connectors', 'operators', 'federation', 'governance', 'audit'];
const BELOW_FACES = ['core', 'config', 'store', 'queue', ...SERVICES, 'protocols', 'runtime', 'demo'];

export const PARTS: Readonly<Record<string, PartRule>> = {
  core: { owns: 'domain types, status machines, policy evaluation, error codes, the clock — pure, no I/O', uses: [], packagesOnly: ['zod'] },
  config: { owns: 'the configuration schema, loaded and checked once at start-up', uses: ['core'] },
  store: { owns: 'the storage port, migrations, Kysely and the generated table types, the PGlite and PostgreSQL dialects', uses: ['core'] },
  queue: { owns: 'the durable queue and the scheduler of periodic work', uses: ['core', 'config', 'store'] },
  mur: { owns: 'the Master User Record: identities, attributes with provenance, change sets, history', uses: [...SERVICE_BASE] },
  sources: { owns: 'authoritative-source adapters, correlation, reconciliation diff', uses: [...SERVICE_BASE, 'mur'] },
  lifecycle: {
    owns: 'the JML engine, access policies, job handlers, provisioning and reconciliation',
    uses: [...SERVICE_BASE, 'queue', 'mur', 'connectors'],
    through: { connectors: ['connectors/accounts/port.ts', 'connectors/notify/port.ts'] },
  },
  pki: { owns: 'CA keys, certificate profiles, CRL, OCSP signing, path validation', uses: [...SERVICE_BASE] },
  credentials: { owns: 'PIV card and Derived PIV lifecycle, binding ceremonies, WebAuthn, holds', uses: [...SERVICE_BASE, 'queue', 'pki'] },
  connectors: {
    owns: 'the connector ports and their adapters (SCIM, LDAP, ticket, notifications, memory for tests), and the one outbound HTTP client',
    uses: ['core'],
    packagesNever: STORE_PACKAGES,
  },
  operators: { owns: 'operators as MUR identities, roles, scoped tokens, console sessions, two-person rules', uses: [...SERVICE_BASE, 'mur'] },
  federation: { owns: 'trust agreements, the home IdP record, entity statements, provisioning to RPs', uses: [...SERVICE_BASE, 'queue'] },
  governance: { owns: 'catalogue, access requests, approvals, JIT grants, certifications, SoD, reports', uses: [...SERVICE_BASE, 'queue', 'mur'] },
  audit: { owns: 'the hash-chained log, checkpoints, verifier, SIEM export, evidence bundles', uses: ['core', 'store'] },
  demo: {
    owns: 'the seeded synthetic agency generator',
    uses: ['core'],
    why: 'not in the architecture: pure data built from a seed, which runtime/ loads through the services',
  },
  protocols: {
    owns: 'framework-free protocol engines: OIDC (the OP and its sign-in), OCSP, SSF',
    uses: ['core', 'config', 'store', 'queue', ...SERVICES],
  },
  runtime: { owns: 'the composition root: opens the store, builds the services, wires handlers to the queue', uses: BELOW_FACES.filter((part) => part !== 'runtime') },
  http: {
    owns: 'the HTTP face (Hono): mounts the protocols, the admin REST API and OpenAPI; no business logic',
    uses: [...BELOW_FACES, 'package.json'],
    typesOnly: ['store'],
    face: true,
  },
  cli: {
    owns: 'the `muster` command',
    uses: [...BELOW_FACES, 'http', 'web', 'package.json'],
    typesOnly: ['store'],
    why: 'a face that starts the other faces: `muster serve` and `muster worker` mount http/ and the console web/ on it (neither imports cli/)',
  },
  web: {
    owns: "the web console: operators sign in through muster's own OP (as its relying party), sessions, role-gated pages",
    uses: [...BELOW_FACES, 'rp'],
    typesOnly: ['store'],
    face: true,
    why: "a relying party of muster's own OP: it signs in through muster/rp (rp/), a library that imports nothing of the server",
  },
  rp: {
    owns: 'muster/rp, the relying-party library and its reference RP; ships alone (packages: src/rp/boundary.test.ts)',
    uses: [],
  },
  'index.ts': {
    owns: 'muster as a library: loadConfig, startMuster, the HTTP app, errors',
    uses: ['config', 'core', 'runtime', 'http'],
    why: 'not a folder: the package entry point, which re-exports the composition root and the HTTP face',
  },
};

/** The web framework lives in the faces only: protocol engines are framework-free. */
export function isWebFramework(name: string): boolean {
  return name === 'hono' || name.startsWith('hono/') || name.startsWith('@hono/');
}
