import { z } from '@hono/zod-openapi';
import { ENTITY_STATEMENT_MEDIA_TYPE, signedEntityConfiguration } from '../../federation/entity-configuration.ts';
import { ENTITY_CONFIGURATION_PATH, PIV_IDP_RECORD_PATH, homeAgencyRecord, issuerPath } from '../../federation/home-record.ts';
import { federationIssuer, federationIssuerPath } from '../../federation/issuer.ts';
import type { RouteModule } from '../env.ts';
import { publicRoute } from '../route.ts';
import { jsonResponse } from '../schemas.ts';

export interface FederationRecordDeps {
  /** The OP's issuer identifier as served, asked on each request (a port bound after start); default `federationIssuer(config)`. */
  readonly issuer?: () => string;
  /** The OP's discovery document, carried in the entity configuration's `openid_provider` metadata. */
  readonly discovery: () => Promise<Record<string, unknown>>;
}

const HomeAgencyIdpRecord = z
  .object({
    issuer: z.string(),
    home_agency_idp: z.literal(true),
    organization_name: z.string(),
    agency_codes: z.array(z.string()),
    org_affiliations: z.array(z.string()),
    protocols: z.array(z.object({ protocol: z.string(), profiles: z.array(z.string()), discovery: z.string() })),
    contacts: z.array(z.string()),
    entity_configuration: z.string(),
  })
  .openapi('HomeAgencyIdpRecord');

const CACHE = { 'cache-control': 'public, max-age=300' };

/** The paths the record and the entity configuration are served at, for an issuer (its path, then the host's root). */
export function federationRecordPaths(issuer: string): { readonly records: readonly string[]; readonly entityConfiguration: string } {
  return recordPathsUnder(issuerPath(issuer));
}

/** The same, for the issuer's path on its host. */
function recordPathsUnder(base: string): { readonly records: readonly string[]; readonly entityConfiguration: string } {
  return { records: [...new Set([`${base}${PIV_IDP_RECORD_PATH}`, PIV_IDP_RECORD_PATH])], entityConfiguration: `${base}${ENTITY_CONFIGURATION_PATH}` };
}

const recordRoute = (path: string) =>
  publicRoute({
    method: 'get',
    path,
    tags: ['federation'],
    summary: 'The home agency IdP record (SP 800-217 §3.5): issuer, agencies and affiliations, protocols and profiles, discovery, contacts',
    responses: { 200: jsonResponse(HomeAgencyIdpRecord, 'The record') },
  });

const entityConfigurationRoute = (path: string) =>
  publicRoute({
    method: 'get',
    path,
    tags: ['federation'],
    summary: "The OP's OpenID Federation entity configuration: a self-signed entity statement carrying the discovery document and the home agency IdP record",
    responses: { 200: { description: 'A signed JWT (typ entity-statement+jwt)', content: { [ENTITY_STATEMENT_MEDIA_TYPE]: { schema: z.string() } } } },
  });

/**
 * The home agency IdP record as JSON, and the signed entity configuration, open to anyone. Mounted under the
 * issuer's path (`/oidc/.well-known/…` for the default issuer); the record also at the host's root.
 */
export function federationRecordRoutes(deps: FederationRecordDeps): RouteModule {
  return (app, ctx) => {
    const issuer = deps.issuer ?? (() => federationIssuer(ctx.config));
    const paths = recordPathsUnder(federationIssuerPath(ctx.config));
    for (const path of paths.records) {
      app.openapi(recordRoute(path), (c) => c.json(homeAgencyRecord(ctx.config, issuer()), 200, CACHE) as never);
    }
    app.openapi(entityConfigurationRoute(paths.entityConfiguration), async (c) => {
      const jwt = await signedEntityConfiguration({ store: ctx.store, vault: ctx.keyVault, clock: ctx.clock, config: ctx.config, issuer: issuer(), discovery: deps.discovery });
      return c.body(jwt, 200, { 'content-type': ENTITY_STATEMENT_MEDIA_TYPE, ...CACHE }) as never;
    });
  };
}
