import { readFileSync } from 'node:fs';
import { MusterError, type ErrorDetail } from '../core/errors.ts';
import { defaultIssuer } from './federation-schema.ts';
import { type MusterConfig, configSchema } from './schema.ts';

/** Environment variables muster reads; any other MUSTER_* variable is refused as a likely typo. */
const ENV_KEYS: Readonly<Record<string, (cfg: Record<string, any>, value: string) => void>> = {
  DATABASE_URL: (c, v) => (c.databaseUrl = v),
  MUSTER_PORT: (c, v) => ((c.server ??= {}).port = Number(v)),
  MUSTER_HOST: (c, v) => ((c.server ??= {}).host = v),
  MUSTER_DATA_DIR: (c, v) => (c.dataDir = v),
  MUSTER_AGENCY_CODE: (c, v) => ((c.agency ??= {}).code = v),
  MUSTER_AUDIT_SIGNING_KEY_FILE: (c, v) => ((c.audit ??= {}).signingKeyFile = v),
  MUSTER_PROFILE: (c, v) => (c.profile = v),
  MUSTER_PKI_KEY_PASSPHRASE: (c, v) => ((c.pki ??= {}).keyPassphrase = v),
  MUSTER_PKI_KEY_PASSPHRASE_FILE: (c, v) => ((c.pki ??= {}).keyPassphraseFile = v),
  MUSTER_PKI_HSM_PIN: (c, v) => (((c.pki ??= {}).hsm ??= {}).pin = v),
  MUSTER_PKI_BASE_URL: (c, v) => ((c.pki ??= {}).baseUrl = v),
  MUSTER_ISSUER: (c, v) => (((c.federation ??= {}).oidc ??= {}).issuer = v),
  MUSTER_CONFIG: () => {},
  MUSTER_TEST: () => {},
  /** An operator's token for the commands that act as that operator (`muster operator grant`, `muster token …`). */
  MUSTER_TOKEN: () => {},
};

export interface LoadOptions {
  readonly file?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values from command-line flags; they win over the file and the environment. */
  readonly overrides?: Record<string, unknown>;
}

/** Loads and checks the configuration once: file, then environment, then flags. Every problem is named with its key. */
export function loadConfig(options: LoadOptions = {}): MusterConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.MUSTER_CONFIG;
  const raw: Record<string, any> = file ? readConfigFile(file) : {};
  const problems: ErrorDetail[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    const apply = ENV_KEYS[name];
    if (apply) apply(raw, value);
    else if (name.startsWith('MUSTER_')) problems.push({ key: name, message: `unknown environment variable (known: ${Object.keys(ENV_KEYS).join(', ')})` });
  }
  deepAssign(raw, options.overrides ?? {});
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ key: keyOf(issue.path, issue), message: issue.message });
  }
  if (problems.length > 0 || !parsed.success) {
    throw new MusterError('MUSTER_ERR_CONFIG', `configuration has ${problems.length} problem(s): ${problems.map((p) => `${p.key}: ${p.message}`).join('; ')}`, problems);
  }
  return Object.freeze(withIssuer(parsed.data));
}

/**
 * The OP issuer, resolved once: `federation.oidc.issuer`, else `http://<server.host>:<server.port>/oidc`. With
 * `server.port` 0 and no issuer it stays unset: only the server that picks its port can name it.
 */
function withIssuer(config: MusterConfig): MusterConfig {
  const oidc = config.federation.oidc;
  if (oidc.issuer !== undefined || config.server.port === 0) return config;
  return { ...config, federation: { ...config.federation, oidc: { ...oidc, issuer: defaultIssuer(config.server.host, config.server.port, config.server.tls !== undefined) } } };
}

function keyOf(path: readonly PropertyKey[], issue: { code: string; keys?: string[] }): string {
  const base = path.map(String).join('.');
  if (issue.code === 'unrecognized_keys' && issue.keys) return issue.keys.map((k) => (base ? `${base}.${k}` : k)).join(', ');
  return base || '(root)';
}

function readConfigFile(file: string): Record<string, any> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MusterError('MUSTER_ERR_CONFIG', `cannot read configuration file ${file}: ${(error as Error).message}`, [{ file, message: 'unreadable' }]);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('the top level must be an object');
    return value as Record<string, any>;
  } catch (error) {
    throw new MusterError('MUSTER_ERR_CONFIG', `configuration file ${file} is not valid JSON: ${(error as Error).message}`, [{ file, message: (error as Error).message }]);
  }
}

function deepAssign(target: Record<string, any>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (value && typeof value === 'object' && !Array.isArray(value)) deepAssign((target[key] ??= {}), value as Record<string, unknown>);
    else target[key] = value;
  }
}
