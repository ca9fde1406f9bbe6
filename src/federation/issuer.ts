import type { MusterConfig } from '../config/schema.ts';

/** The OP's issuer identifier: `federation.oidc.issuer`, else `http://<server.host>:<server.port>/oidc`. */
export function federationIssuer(config: MusterConfig, boundPort?: number): string {
  if (config.federation.oidc.issuer !== undefined) return config.federation.oidc.issuer.replace(/\/$/, '');
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return `http://${host}:${boundPort ?? config.server.port}/oidc`;
}
