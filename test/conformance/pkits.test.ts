import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { UNSUPPORTED } from '../../src/pki/path/unsupported.ts';
import { splitPath } from '../../src/pki/path/order.ts';
import { validatePath } from '../../src/pki/path/validate.ts';
import { X509Certificate, X509Crl } from '../../src/pki/x509.ts';

interface PkitsCase {
  readonly number: string;
  readonly title: string;
  readonly certs: string[];
  readonly crls: string[];
  readonly should_validate: boolean;
  readonly initial_policy_set: string[];
  readonly initial_explicit_policy: boolean;
  readonly initial_policy_mapping_inhibit: boolean;
  readonly initial_inhibit_any_policy: boolean;
  readonly expected_user_constrained_policy_set: string[];
}

/**
 * NIST PKITS as the shared test data holds it (`<repo>/../shared/testdata/pkits/`), or where PKITS_DIR says
 * (`.ci/run` sets it when it finds the data). A named folder without the suite fails; otherwise a missing suite is
 * skipped with a notice: it is test data from elsewhere and is not kept in this repository.
 */
const configured = process.env.PKITS_DIR;
const root = configured ? new URL(`file://${configured.replace(/\/?$/, '/')}`) : new URL('../../../shared/testdata/pkits/', import.meta.url);
const found = existsSync(new URL('cases.json', root));
if (!found && configured) throw new Error(`PKITS_DIR=${configured} holds no NIST PKITS cases.json`);
const skip = found ? false : `NIST PKITS not found in ${root.pathname} (set PKITS_DIR)`;
const suite = found ? (JSON.parse(readFileSync(new URL('cases.json', root), 'utf8')) as { validation_time: string; cases: PkitsCase[] }) : { validation_time: '', cases: [] };
const time = new Date(suite.validation_time);
const cert = (name: string) => new X509Certificate(readFileSync(new URL(`certs/${name}.crt`, root)));
const crl = (name: string) => new X509Crl(readFileSync(new URL(`crls/${name}.crl`, root)));

async function run(c: PkitsCase) {
  const [anchor, ...bag] = c.certs.map(cert);
  assert.ok(anchor, `${c.title}: no trust anchor`);
  // Some cases list CRL-signing certificates that are not on the path; split them off by name and signature.
  const { path, others } = await splitPath(anchor, bag);
  return validatePath({
    anchor,
    path,
    crlSigners: others,
    crls: c.crls.map(crl),
    time,
    initialPolicySet: c.initial_policy_set,
    initialExplicitPolicy: c.initial_explicit_policy,
    initialPolicyMappingInhibit: c.initial_policy_mapping_inhibit,
    initialInhibitAnyPolicy: c.initial_inhibit_any_policy,
  });
}

test('NIST PKITS: every supported case gives the expected result; the rest are listed with a reason', { skip }, async (t) => {
  let passed = 0;
  let unsupported = 0;
  const failures: string[] = [];
  for (const c of suite.cases) {
    if (c.title in UNSUPPORTED) {
      assert.ok(UNSUPPORTED[c.title], `${c.title} is unsupported without a reason`);
      unsupported++;
      continue;
    }
    const result = await run(c);
    const policiesOk = !c.should_validate || JSON.stringify(result.userConstrainedPolicySet) === JSON.stringify([...c.expected_user_constrained_policy_set].sort());
    if (result.valid === c.should_validate && policiesOk) passed++;
    else
      failures.push(
        `${c.title}: expected ${c.should_validate} ${c.expected_user_constrained_policy_set.join(',')}, got ${result.valid} (${result.reason ?? result.userConstrainedPolicySet?.join(',')})`,
      );
  }
  t.diagnostic(`PKITS: ${passed} passed, ${unsupported} unsupported, ${failures.length} failed of ${suite.cases.length}`);
  assert.deepEqual(failures, []);
});

test('every UNSUPPORTED entry names a real PKITS case', { skip }, () => {
  const titles = new Set(suite.cases.map((c) => c.title));
  for (const title of Object.keys(UNSUPPORTED)) assert.ok(titles.has(title), `${title} is not a PKITS case`);
});
