import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMusterError } from '../core/errors.ts';
import { encodeFascn } from './fascn.ts';

// The FASC-N in the default CHUID written by yubico-piv-tool, widely seen in `yubico-piv-tool -a status` output; it decodes to
// agency 9999, system 9999, credential 999999, series 0, ICI 1, PI 0000000000, OC 3, OI 0000, POA 1.
const YUBICO = 'd4e739da739ced39ce739d836858210842108421c84210c3eb';

test('a FASC-N is 25 bytes and matches a published card vector bit for bit', () => {
  const fascn = encodeFascn({
    agencyCode: '9999',
    systemCode: '9999',
    credentialNumber: '999999',
    credentialSeries: '0',
    individualCredentialIssue: '1',
    personIdentifier: '0000000000',
    organizationalCategory: '3',
    organizationalIdentifier: '0000',
    personOrganizationAssociation: '1',
  });
  assert.equal(fascn.length, 25);
  assert.equal(Buffer.from(fascn).toString('hex'), YUBICO);
});

test('a FASC-N field of the wrong length is refused', () => {
  assert.throws(
    () => encodeFascn({ agencyCode: '123', systemCode: '0001', credentialNumber: '000001' }),
    (e) => isMusterError(e, 'MUSTER_ERR_VALIDATION'),
  );
  assert.equal(encodeFascn({ agencyCode: '0123', systemCode: '0001', credentialNumber: '000001' }).length, 25);
});
