import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../config/load.ts';
import { homeAgencyRecord, issuerPath, underIssuer } from './home-record.ts';
import { federationIssuer } from './issuer.ts';

const configWith = (overrides: Record<string, unknown>) => loadConfig({ env: {}, overrides: { dataDir: ':memory:', ...overrides } });

test('the record names the issuer, agency, protocol, profile, discovery document and contacts (SP 800-217 §3.5)', () => {
  const config = configWith({
    agency: { code: '1400', name: 'Department of the Interior' },
    federation: { oidc: { issuer: 'https://idp.doi.example/oidc/' }, record: { contacts: ['mailto:icam@doi.example', 'tel:+1-202-555-0100'], affiliations: ['agency_code:1400/sub:NPS'] } },
  });
  const issuer = federationIssuer(config);
  assert.deepEqual(homeAgencyRecord(config, issuer), {
    issuer: 'https://idp.doi.example/oidc',
    home_agency_idp: true,
    organization_name: 'Department of the Interior',
    agency_codes: ['agency_code:1400'],
    org_affiliations: ['agency_code:1400/sub:NPS'],
    protocols: [
      {
        protocol: 'openid-connect-1.0',
        profiles: ['https://idp.doi.example/oidc/profiles/piv-oidc-1.0'],
        discovery: 'https://idp.doi.example/oidc/.well-known/openid-configuration',
      },
    ],
    contacts: ['mailto:icam@doi.example', 'tel:+1-202-555-0100'],
    entity_configuration: 'https://idp.doi.example/oidc/.well-known/openid-federation',
  });
});

test('defaults: the agency name as organization, the default contact, every affiliation of the agency', () => {
  const config = configWith({ server: { port: 0 } });
  const record = homeAgencyRecord(config, federationIssuer(config, 41234));
  assert.equal(record.issuer, 'http://127.0.0.1:41234/oidc');
  assert.equal(record.organization_name, config.agency.name);
  assert.deepEqual(record.contacts, ['mailto:icam@agency.example']);
  assert.deepEqual(record.org_affiliations, []);
  assert.deepEqual(record.agency_codes, [`agency_code:${config.agency.code}`]);
  const named = homeAgencyRecord(configWith({ federation: { record: { organizationName: 'ICAM Office' } } }), 'https://idp.example');
  assert.equal(named.organization_name, 'ICAM Office');
});

test('configuration refuses an empty contact list and an authority hint that is not a URL, naming the key', () => {
  assert.throws(() => configWith({ federation: { record: { contacts: [] } } }), /federation\.record\.contacts/);
  assert.throws(() => configWith({ federation: { record: { authorityHints: ['fa.example'] } } }), /federation\.record\.authorityHints\.0/);
});

test('paths: appended to the issuer; the issuer path on its host', () => {
  assert.equal(underIssuer('https://idp.example/', '/.well-known/openid-federation'), 'https://idp.example/.well-known/openid-federation');
  assert.equal(issuerPath('http://127.0.0.1:8080/oidc'), '/oidc');
  assert.equal(issuerPath('https://idp.example/'), '');
  assert.equal(issuerPath('https://idp.example'), '');
});
