// A relying party authenticated by its TLS client certificate (tls_client_auth, RFC 8705) at the token endpoint's
// mutual-TLS alias: a certificate from muster's CA with the subject DN its agreement names gets tokens for a PIV
// sign-in; another subject, or no certificate on the plain listener, gets invalid_client and nothing else.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { randomSerial, signCertificate } from '../../src/pki/der.ts';
import { subjectName } from '../../src/pki/names.ts';
import { AuthorityKeyIdentifierExtension, BasicConstraintsExtension, ExtendedKeyUsage, ExtendedKeyUsageExtension, KeyUsageFlags, KeyUsagesExtension } from '../../src/pki/x509.ts';
import { PIV_CLAIMS } from '../../src/core/federation/profile.ts';
import { BrowserFetch } from '../support/browser-fetch.ts';
import { type CertificateCredential, type FederatedMuster, issueSoftwarePivCard, startFederatedMuster } from '../support/federation.ts';
import { certificateSignIn } from '../support/federation-peers.ts';

const RP_DN = 'CN=travel-rp,O=Travel Vendor,C=US';

interface ClientCertificate {
  readonly key: string;
  readonly cert: string;
}

/** A TLS client certificate for the RP, issued by muster's issuing CA (as an agency would for a vetted RP). */
async function clientCertificate(fm: FederatedMuster, subject: string): Promise<ClientCertificate> {
  const { issuing } = await fm.muster.ca();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = fm.muster.clock.now();
  const certificate = await signCertificate(
    {
      serial: randomSerial(),
      issuer: subjectName(issuing.certificate),
      subject,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 86_400_000),
      spki: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.clientAuth]),
        new AuthorityKeyIdentifierExtension(issuing.keyId),
      ],
    },
    issuing.key,
  );
  return { key: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, cert: certificate.toString('pem') };
}

function tokenRequest(url: string, form: Record<string, string>, ca: string, client?: ClientCertificate): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, ...(client ?? {}), headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(new URLSearchParams(form).toString());
  });
}

describe('tls_client_auth at the mutual-TLS token endpoint', () => {
  let fm: FederatedMuster;
  let card: CertificateCredential;
  let landing: Server;
  let redirectUri: string;

  before(async () => {
    fm = await startFederatedMuster();
    card = await issueSoftwarePivCard(fm, 'E1');
    landing = createServer((_req, res) => res.end('signed in'));
    await new Promise<void>((resolve) => landing.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(landing.address() as AddressInfo).port}/cb`;
    await fm.agreements.save(
      'travel',
      {
        name: 'Travel vendor',
        population: { agencyCodes: [fm.muster.config.agency.code] },
        idp: { issuer: fm.issuer, home: true },
        consent: 'allowlisted',
        relyingParties: [{ clientId: 'travel-rp', name: 'Travel', redirectUris: [redirectUri], tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: RP_DN, fal: 'fal2' }],
      },
      'admin.alice',
      'travel onboarding',
    );
  });
  after(async () => {
    await new Promise<void>((resolve) => landing?.close(() => resolve()));
    await fm?.close();
  });

  async function signInForCode(): Promise<{ code: string; verifier: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const params = new URLSearchParams({
      client_id: 'travel-rp',
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid',
      nonce: randomBytes(16).toString('base64url'),
      state: 's1',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const page = await certificateSignIn(fm, new BrowserFetch({ ca: fm.caPem }), `${fm.issuer}/auth?${params}`, card);
    const code = new URL(page.url).searchParams.get('code');
    assert.ok(code, `no code at ${page.url} (${page.status})`);
    return { code, verifier };
  }

  const form = (s: { code: string; verifier: string }) => ({ grant_type: 'authorization_code', client_id: 'travel-rp', code: s.code, redirect_uri: redirectUri, code_verifier: s.verifier });

  test('the registered subject gets tokens at the mutual-TLS alias, with the PIV claims', async () => {
    const answer = await tokenRequest(`${fm.mtlsOrigin}/oidc/token`, form(await signInForCode()), fm.caPem, await clientCertificate(fm, RP_DN));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const claims = decodeJwt(String(answer.body.id_token));
    assert.equal(claims.aud, 'travel-rp');
    assert.equal(claims[PIV_CLAIMS.federation], true);
    assert.equal(claims[PIV_CLAIMS.credentialType], 'piv_card');
  });

  test('another subject, or no certificate at the plain endpoint, is invalid_client and gets nothing', async () => {
    const wrong = await tokenRequest(`${fm.mtlsOrigin}/oidc/token`, form(await signInForCode()), fm.caPem, await clientCertificate(fm, 'CN=someone-else,O=Travel Vendor,C=US'));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    assert.equal(wrong.body.id_token, undefined);
    const plain = await fetch(`${fm.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form(await signInForCode())) });
    assert.equal(plain.status, 401);
    assert.equal(((await plain.json()) as { error: string }).error, 'invalid_client');
    const [refused] = await fm.muster.store.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'oidc.refused' AND data->>'clientId' = 'travel-rp'");
    assert.ok(refused!.n >= 2, 'both refusals audited');
  });
});
