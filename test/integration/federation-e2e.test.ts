// PIV federation end to end, without a browser: muster running as `muster serve` runs it (admin app, OpenID
// Provider, mutual-TLS sign-in listener, job worker, SSF push worker), the reference relying party built on
// muster/rp, and a subscriber whose software PIV card is presented on the mutual-TLS hop. HR terminates the person:
// the leaver's jobs run, the SET reaches the RP, which ends the session and disables the account; muster's own
// sessions are gone and the card no longer signs in. Also: an RP whose agreements name another PIV IdP for the
// agency refuses muster's assertion, and a FAL3 RP checks the holder-of-key confirmation against the certificate
// it saw over mutual TLS.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import jsrsasign from 'jsrsasign';
import { certificateThumbprint } from '../../src/rp/thumbprint.ts';
import { SIGNAL_EVENTS } from '../../src/core/federation/profile.ts';
import { BrowserFetch } from '../support/browser-fetch.ts';
import { type CertificateCredential, type FederatedMuster, issueSoftwarePivCard, startFederatedMuster } from '../support/federation.ts';
import { HOME_AGENCY, type RunningReferenceRp, certificateSignIn, rpAgreementsWithMuster, startReferenceRp } from '../support/federation-peers.ts';
import { describeEachStore } from '../support/stores.ts';
import { CatalogueService } from '../../src/governance/catalogue/index.ts';
import { RequestService } from '../../src/governance/requests/index.ts';
import { waitUntil } from '../support/wait.ts';

const OTHER_IDP = 'https://piv-idp.other-agency.example/oidc';

function codeOf(body: string): string | undefined {
  return /<code id="code">([A-Z_]+)<\/code>/.exec(body)?.[1];
}

function subOf(body: string): string | undefined {
  return /<code id="sub">([^<]+)<\/code>/.exec(body)?.[1];
}

describeEachStore('PIV federation end to end', (factory) => {
  let fm: FederatedMuster;
  let rp: RunningReferenceRp;
  const cards: Record<string, CertificateCredential> = {};

  before(async () => {
    fm = await startFederatedMuster({ store: factory });
    for (const person of ['E1', 'E2']) cards[person] = await issueSoftwarePivCard(fm, person);
    rp = await startReferenceRp(fm, { clientId: 'reference-rp', agreementId: 'reference-rp' });
  });

  after(async () => {
    await rp?.close();
    await fm?.close();
  });

  async function accountOf(running: RunningReferenceRp, sub: string) {
    return (await running.rp.accounts.list()).find((a) => a.identifiers.some((i) => i.sub === sub));
  }

  async function opSessionsOf(identityId: string): Promise<number> {
    const [row] = await fm.muster.store.query<{ n: string }>(`SELECT count(*)::text AS n FROM oidc_payloads WHERE model = 'Session' AND account_id = $1`, [identityId]);
    return Number(row?.n ?? 0);
  }

  async function cardCertificateStatus(credentialId: string): Promise<string | undefined> {
    const [row] = await fm.muster.store.query<{ status: string }>(`SELECT status FROM certificates WHERE credential_id = $1 AND profile = 'piv-auth'`, [credentialId]);
    return row?.status;
  }

  async function auditOf(action: string, target: string): Promise<{ reason: string; data: Record<string, unknown> }[]> {
    return fm.muster.store.query(`SELECT reason, data FROM audit_log WHERE action = $1 AND target = $2 ORDER BY seq`, [action, target]);
  }

  test('a leaver: the HR termination reaches the RP as a pushed SET, muster ends its sessions, and the card no longer signs in', async () => {
    const jane = new BrowserFetch();
    const raj = new BrowserFetch();
    const signedIn = await certificateSignIn(fm, jane, `${rp.url}/login`, cards.E1!);
    assert.equal(signedIn.status, 200, signedIn.body);
    const janeSub = subOf(signedIn.body) as string;
    const rajSub = subOf((await certificateSignIn(fm, raj, `${rp.url}/login`, cards.E2!)).body) as string;
    const janeAccount = await accountOf(rp, janeSub);
    assert.equal(janeAccount?.state, 'active');
    assert.equal(rp.rp.sessions.forAccount(janeAccount?.id ?? '').length, 1);
    assert.ok((await opSessionsOf(fm.ids.E1!)) > 0, 'muster holds an OP session for the person');

    await fm.hrSnapshot({ E1: 'terminated' });

    const disabled = await waitUntil('the RP to disable the account', async () => ((await accountOf(rp, janeSub))?.state === 'disabled' ? true : undefined), { timeoutMs: 20_000 });
    assert.ok(disabled);
    assert.equal(rp.rp.sessions.forAccount(janeAccount?.id ?? '').length, 0, 'the RP ended the session');
    assert.match((await jane.get(rp.url)).body, /not signed in/);
    await waitUntil('muster to end the OP sessions', async () => (await opSessionsOf(fm.ids.E1!)) === 0, { timeoutMs: 20_000 });
    assert.equal((await auditOf('oidc.sessions.ended', fm.ids.E1!)).length, 1);

    const accepted = rp.sets.filter((s) => s.status === 202).map((s) => decodeJwt(s.body));
    const disabling = accepted.find((set) => SIGNAL_EVENTS['account-disabled'] in (set.events as object));
    assert.ok(disabling, `an account-disabled SET was accepted; got ${JSON.stringify(accepted.map((s) => Object.keys(s.events as object)))}`);
    assert.deepEqual(disabling.sub_id, { format: 'iss_sub', iss: fm.issuer, sub: janeSub });
    assert.equal(disabling.iss, fm.issuer);
    assert.equal(disabling.aud, rp.clientId);
    assert.ok(rp.sets.every((s) => s.contentType === 'application/secevent+jwt'));

    const rajAccount = await accountOf(rp, rajSub);
    assert.equal(rajAccount?.state, 'active', 'another person is untouched');
    assert.equal(rp.rp.sessions.forAccount(rajAccount?.id ?? '').length, 1);

    await waitUntil("the leaver's card to be revoked", async () => (await cardCertificateStatus(cards.E1!.credentialId)) === 'revoked', { timeoutMs: 20_000 });
    const again = await certificateSignIn(fm, new BrowserFetch(), `${rp.url}/login`, cards.E1!);
    assert.equal(again.url.startsWith(fm.mtlsOrigin), true, `muster refused on the certificate hop, at ${again.url}`);
    assert.equal(again.status, 403, again.body);
    assert.match(again.body, /Sign-in refused/);
    const refusals = await auditOf('oidc.sign-in.refused', fm.ids.E1!);
    assert.equal(refusals.length, 1);
    assert.equal(refusals[0]?.data.reason, 'certificate-revoked', JSON.stringify(refusals[0]));
    assert.equal(rp.idTokens.length, 2, 'no assertion was issued for the refused sign-in');
  });

  test("a SET the RP accepted verifies with an independent JOSE implementation against the transmitter's JWKS", async () => {
    const set = rp.sets.find((s) => s.status === 202);
    assert.ok(set, 'a SET was delivered');
    const issuerUrl = new URL(fm.issuer);
    const configuration = (await (await fetch(`${issuerUrl.origin}/.well-known/ssf-configuration${issuerUrl.pathname}`)).json()) as { issuer: string; jwks_uri: string };
    assert.equal(configuration.issuer, fm.issuer);
    const { keys } = (await (await fetch(configuration.jwks_uri)).json()) as { keys: { kid: string }[] };
    const { kid, typ, alg } = decodeProtectedHeader(set.body);
    assert.equal(typ, 'secevent+jwt');
    const jwk = keys.find((k) => k.kid === kid);
    assert.ok(jwk, `the JWKS holds the SET's key ${kid}`);
    const key = jsrsasign.KEYUTIL.getKey(jwk as unknown as jsrsasign.RSAKey) as jsrsasign.RSAKey;
    const at = Math.floor(Date.now() / 1000);
    assert.equal(jsrsasign.KJUR.jws.JWS.verifyJWT(set.body, key, { alg: [String(alg)], iss: [fm.issuer], aud: [rp.clientId], verifyAt: at }), true);
    assert.equal(jsrsasign.KJUR.jws.JWS.verifyJWT(`${set.body.slice(0, -6)}AAAAAA`, key, { alg: [String(alg)], verifyAt: at }), false, 'a changed signature fails');
    const payload = decodeJwt(set.body);
    assert.equal(payload.sub, undefined, 'SSF: no sub claim');
    assert.equal(payload.exp, undefined, 'SSF: no exp claim');
  });

  test("an RP whose agreements name another PIV IdP for the agency refuses muster's assertion (RP_ERR_WRONG_IDP)", async () => {
    const elsewhere = await startReferenceRp(fm, {
      clientId: 'wrong-idp-rp',
      agreementId: 'wrong-idp-rp',
      rpAgreements: (issuer) => [
        { ...rpAgreementsWithMuster(issuer)[0], homeAgencies: ['agency_code:4700'] },
        { id: 'other-agency', issuer: OTHER_IDP, homeAgencies: [HOME_AGENCY], minFal: 'fal2', minAal: 'aal2', maxAuthenticationAgeSeconds: 3600 },
      ],
    });
    try {
      const page = await certificateSignIn(fm, new BrowserFetch(), `${elsewhere.url}/login`, cards.E2!);
      assert.equal(page.status, 403, page.body);
      assert.equal(codeOf(page.body), 'RP_ERR_WRONG_IDP');
      assert.match(page.body, new RegExp(`the PIV IdP for ${HOME_AGENCY} is ${OTHER_IDP}`));
      assert.equal(elsewhere.idTokens.length, 1, 'muster issued the assertion; the RP library refused it');
      assert.equal(elsewhere.idTokens[0]?.piv_home_agency, HOME_AGENCY);
      assert.deepEqual(await elsewhere.rp.accounts.list(), [], 'no account was made');
    } finally {
      await elsewhere.close();
    }
  });

  test('FAL3 holder-of-key: the RP accepts the assertion only with the certificate its cnf names', async () => {
    const fal3 = await startReferenceRp(fm, { clientId: 'fal3-rp', agreementId: 'fal3-rp', fal3: true });
    try {
      const page = await certificateSignIn(fm, new BrowserFetch(), `${fal3.url}/login`, cards.E2!, [fal3.url]);
      assert.equal(page.status, 200, page.body);
      const claims = fal3.idTokens[0] as Record<string, unknown>;
      assert.equal(claims.fal, 'fal3');
      assert.deepEqual(claims.cnf, { 'x5t#S256': certificateThumbprint(cards.E2!.certPem) });
      assert.equal((await accountOf(fal3, subOf(page.body) as string))?.state, 'active');
      const withoutCertificate = await certificateSignIn(fm, new BrowserFetch({ ca: fm.caPem }), `${fal3.url}/login`, cards.E2!);
      assert.equal(codeOf(withoutCertificate.body), 'RP_ERR_HOLDER_OF_KEY', 'no certificate shown to the RP: the assertion is refused');
      assert.equal(fal3.idTokens.length, 2);
    } finally {
      await fal3.close();
    }
  });

  test("an agreement that lists x509_certificate_id: the consent page promises it, and the assertion carries the certificate's SHA-256 thumbprint", async () => {
    const terms = { consent: 'runtime' as const, moreAttributes: [{ name: 'x509_certificate_id', purpose: 'to match your PIV certificate' }] };
    const x509 = await startReferenceRp(fm, { clientId: 'x509-rp', agreementId: 'x509-rp', terms });
    const plain = await startReferenceRp(fm, { clientId: 'plain-rp', agreementId: 'plain-rp', terms: { consent: 'runtime' } });
    try {
      const page = await certificateSignIn(fm, new BrowserFetch(), `${x509.url}/login`, cards.E2!);
      assert.equal(page.status, 200, page.body);
      const [consent] = await fm.muster.store.query<{ data: { basis: string; attributes: string[] } }>(
        `SELECT data FROM audit_log WHERE action = 'oidc.consent' AND data->>'client_id' = 'x509-rp' ORDER BY seq DESC LIMIT 1`,
      );
      assert.equal(consent?.data.basis, 'given', 'the consent page was shown and accepted');
      assert.ok(consent.data.attributes.includes('x509_certificate_id'), `the person agreed to release it: ${JSON.stringify(consent)}`);
      assert.equal(x509.idTokens[0]?.x509_certificate_id, certificateThumbprint(cards.E2!.certPem));
      assert.equal((await certificateSignIn(fm, new BrowserFetch(), `${plain.url}/login`, cards.E2!)).status, 200);
      assert.equal(plain.idTokens[0]?.x509_certificate_id, undefined, 'an agreement that does not list it gets none');
    } finally {
      await x509.close();
      await plain.close();
    }
  });

  test('an agreement whose access is requested: no granted request, the sign-in is refused access_denied and audited; once granted, it goes through', async () => {
    const gated = await startReferenceRp(fm, { clientId: 'gated-rp', agreementId: 'gated-rp', terms: { access: 'requested' } });
    const { store, audit, clock, config } = fm.muster;
    try {
      const refused = await certificateSignIn(fm, new BrowserFetch(), `${gated.url}/login`, cards.E2!);
      assert.equal(refused.status, 403, refused.body);
      assert.match(refused.body, /given on request/);
      assert.equal(gated.idTokens.length, 0, 'no assertion reached the relying party');
      const entries = (await auditOf('oidc.sign-in.refused', fm.ids.E2!)).filter((e) => e.data.reason === 'no-access-grant');
      assert.equal(entries.length, 1);
      assert.equal(entries[0]?.data.client_id, 'gated-rp');
      await new CatalogueService({ store, audit, clock, targets: [] }).save(
        'gated-rp-access',
        { kind: 'rp', description: 'the gated service', owners: [fm.ids.E1!], maxDays: 90, approvals: ['auto'], agreement: 'gated-rp' },
        'admin.alice',
        'offered on request',
      );
      const request = await new RequestService({ store, audit, clock, config }).request(
        { item: 'gated-rp-access', justification: 'casework', endsAt: new Date(clock.now().getTime() + 30 * 86_400_000) },
        { identityId: fm.ids.E2!, actor: 'E2', correlationId: 'gated-rp-request' },
      );
      assert.equal(request.status, 'granted');
      const page = await certificateSignIn(fm, new BrowserFetch(), `${gated.url}/login`, cards.E2!);
      assert.equal(page.status, 200, page.body);
      assert.equal(gated.idTokens.length, 1);
    } finally {
      await gated.close();
    }
  });

  test('no part of muster reported a failure, and every push was delivered at the first attempt', () => {
    assert.deepEqual(fm.errors.map(String), []);
    assert.ok(fm.pushes.length > 0);
    assert.deepEqual(
      fm.pushes.filter((p) => p.result !== 'delivered' || p.attempt !== 1),
      [],
    );
  });
});
