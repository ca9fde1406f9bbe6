/**
 * The reference RP's configuration file (JSON), checked once at start-up; unknown keys are refused.
 * File paths are relative to the configuration file.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { RpError } from '../errors.ts';
import { tlsFetch } from '../fetch.ts';
import type { ReferenceRpOptions } from './app.ts';

const schema = z
  .strictObject({
    issuer: z.url(),
    client_id: z.string().min(1),
    private_jwk_file: z.string().min(1).optional(),
    client_authentication: z.enum(['private_key_jwt', 'tls_client_auth']).default('private_key_jwt'),
    redirect_uri: z.url().optional(),
    listen: z.strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(8080) }).prefault({}),
    /** Serve https; `request_cert` asks subscribers for their certificate (FAL3 holder-of-key). */
    tls: z.strictObject({ cert_file: z.string(), key_file: z.string(), ca_file: z.string().optional(), request_cert: z.boolean().default(false) }).optional(),
    /** CA certificates that the IdP's and the transmitter's TLS certificates chain to. */
    idp_ca_file: z.string().optional(),
    /** The RP's own certificate for tls_client_auth. */
    client_certificate: z.strictObject({ cert_file: z.string(), key_file: z.string() }).optional(),
    signal_authorization: z.string().min(1).optional(),
    allow_insecure_http: z.boolean().default(false),
    session_lifetime_seconds: z.number().int().positive().optional(),
    agreements: z.array(z.unknown()).min(1),
  })
  .refine((c) => c.client_authentication !== 'private_key_jwt' || c.private_jwk_file !== undefined, { message: 'private_key_jwt needs private_jwk_file', path: ['private_jwk_file'] })
  .refine((c) => c.client_authentication !== 'tls_client_auth' || c.client_certificate !== undefined, { message: 'tls_client_auth needs client_certificate', path: ['client_certificate'] });

export interface ReferenceConfig {
  readonly options: ReferenceRpOptions;
  readonly host: string;
  readonly port: number;
}

export function loadReferenceConfig(path: string): ReferenceConfig {
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RpError('RP_ERR_CONFIG', `${path}: ${issue?.path.join('.')}: ${issue?.message}`, { field: issue?.path.join('.') ?? '' });
  }
  const c = parsed.data;
  const file = (name: string) => readFileSync(resolve(dirname(path), name));
  const options: ReferenceRpOptions = {
    issuer: c.issuer,
    clientId: c.client_id,
    clientAuthentication: c.client_authentication,
    agreements: c.agreements,
    allowInsecureHttp: c.allow_insecure_http,
    ...(c.private_jwk_file ? { privateJwk: JSON.parse(file(c.private_jwk_file).toString('utf8')) } : {}),
    ...(c.redirect_uri ? { redirectUri: c.redirect_uri } : {}),
    ...(c.tls ? { tls: { cert: file(c.tls.cert_file), key: file(c.tls.key_file), ...(c.tls.ca_file ? { ca: file(c.tls.ca_file) } : {}), requestCert: c.tls.request_cert } } : {}),
    ...(c.idp_ca_file || c.client_certificate
      ? {
          fetch: tlsFetch({
            ...(c.idp_ca_file ? { ca: file(c.idp_ca_file) } : {}),
            ...(c.client_certificate ? { cert: file(c.client_certificate.cert_file), key: file(c.client_certificate.key_file) } : {}),
          }),
        }
      : {}),
    ...(c.signal_authorization ? { signalAuthorization: c.signal_authorization } : {}),
    ...(c.session_lifetime_seconds ? { sessionLifetimeSeconds: c.session_lifetime_seconds } : {}),
  };
  return { options, host: c.listen.host, port: c.listen.port };
}
