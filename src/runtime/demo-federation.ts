import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { agreementService } from './agreements.ts';
import { federationIssuer } from '../federation/issuer.ts';
import type { Muster } from './context.ts';

export const DEMO_RP_CLIENT = 'demo-reference-rp';
export const DEMO_RP_PORT = 8090;

const SIGNALS = [
  { event: 'account-disabled', action: 'disable-account' },
  { event: 'session-revoked', action: 'end-sessions' },
  { event: 'account-enabled', action: 'enable-account' },
  { event: 'federated-identifier-changed', action: 'change-identifier' },
] as const;

/**
 * The demo's relying party: a trust agreement registering muster/rp's reference RP on http://127.0.0.1:8090 (FAL2,
 * private_key_jwt, name and email with their purposes, runtime consent, termination signals pushed to it), and the
 * reference RP's own files beside the demo data: its private key and its configuration, ready for
 * `npx node src/rp/reference/main.ts --config <folder>/rp.json`. Returns the folder.
 */
export async function seedDemoRelyingParty(ctx: Muster, folder: string, actor: string): Promise<string> {
  const issuer = federationIssuer(ctx.config);
  const rpBase = `http://127.0.0.1:${DEMO_RP_PORT}`;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `${DEMO_RP_CLIENT}-1`;
  const jwk = (key: Awaited<ReturnType<typeof exportJWK>>) => ({ ...key, kid, alg: 'RS256', use: 'sig' });
  await agreementService(ctx).save(
    'demo-reference-rp',
    {
      name: 'Demo reference relying party',
      description: 'muster/rp reference application on this machine',
      population: { agencyCodes: [ctx.config.agency.code] },
      idp: { issuer, home: true },
      consent: 'runtime',
      relyingParties: [
        {
          clientId: DEMO_RP_CLIENT,
          name: 'Reference RP',
          redirectUris: [`${rpBase}/callback`],
          postLogoutRedirectUris: [`${rpBase}/`],
          jwks: { keys: [jwk(await exportJWK(publicKey))] },
          fal: 'fal2',
          signalEndpoint: `${rpBase}/signals`,
          allowPrivateNetwork: true,
          privateNetworkReason: 'the demo reference relying party runs on this machine (loopback)',
        },
      ],
      attributes: [
        { name: 'name', purpose: 'greet the subscriber by name' },
        { name: 'email', purpose: 'send notices about the account' },
      ],
      signals: [...SIGNALS],
    },
    actor,
    'demo relying party',
  );
  const dir = join(folder, 'reference-rp');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'private-jwk.json'), `${JSON.stringify(jwk(await exportJWK(privateKey)))}\n`, { mode: 0o600 });
  await chmod(join(dir, 'private-jwk.json'), 0o600);
  const config = {
    issuer,
    client_id: DEMO_RP_CLIENT,
    private_jwk_file: 'private-jwk.json',
    redirect_uri: `${rpBase}/callback`,
    listen: { host: '127.0.0.1', port: DEMO_RP_PORT },
    allow_insecure_http: true,
    agreements: [
      {
        id: 'demo-home-agency',
        issuer,
        homeAgencies: [`agency_code:${ctx.config.agency.code}`],
        minFal: 'fal2',
        minAal: 'aal2',
        maxAuthenticationAgeSeconds: 43_200,
        attributes: ['name', 'email'],
        signals: Object.fromEntries(SIGNALS.map((s) => [s.event, s.action])),
      },
    ],
  };
  await writeFile(join(dir, 'rp.json'), `${JSON.stringify(config, null, 2)}\n`);
  return dir;
}
