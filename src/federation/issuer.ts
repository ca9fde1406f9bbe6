import type { MusterConfig } from '../config/schema.ts';
import { defaultIssuer } from '../config/federation-schema.ts';
import { MusterError } from '../core/errors.ts';

/**
 * The OP's issuer identifier: one value for every token and SET muster signs (ID tokens, logout tokens, SETs, the
 * entity configuration), from `federation.oidc.issuer` as the configuration resolved it when loaded (the configured
 * value, else `http://<server.host>:<server.port>/oidc`). With `server.port` 0 and no issuer configured, only the
 * server that picked its port knows it: `muster serve` records the port it bound (`issuerBoundTo`) for its process;
 * anywhere else muster refuses to sign rather than name a wrong issuer.
 */

const BOUND_PORTS = new WeakMap<MusterConfig, number>();

/** `muster serve` listens on the port it picked for `server.port` 0: the issuer of this process names that port. */
export function issuerBoundTo(config: MusterConfig, port: number): void {
  if (config.federation.oidc.issuer === undefined) BOUND_PORTS.set(config, port);
}

/** The issuer; `boundPort` names the port a server picked (as `issuerBoundTo` records it). */
export function federationIssuer(config: MusterConfig, boundPort?: number): string {
  const configured = config.federation.oidc.issuer;
  if (configured !== undefined) return configured;
  const port = boundPort ?? BOUND_PORTS.get(config);
  if (port !== undefined) return defaultIssuer(config.server.host, port, config.server.tls !== undefined);
  throw new MusterError(
    'MUSTER_ERR_CONFIG',
    'federation.oidc.issuer is not set and server.port is 0: the OP issuer every token and SET names is known only to the muster serve that picked its port; set federation.oidc.issuer (or MUSTER_ISSUER)',
    [{ key: 'federation.oidc.issuer', message: 'required when server.port is 0' }],
  );
}

/** The issuer's path on its host (`/oidc` by default), known before a port is picked: where the OP's documents are mounted. */
export function federationIssuerPath(config: MusterConfig): string {
  const configured = config.federation.oidc.issuer;
  return new URL(configured ?? defaultIssuer(config.server.host, config.server.port || 1, config.server.tls !== undefined)).pathname.replace(/\/+$/, '');
}
