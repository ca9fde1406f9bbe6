import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SOURCE_FORMATS } from './fields.ts';
import { validateRow } from './validate.ts';

const ROW = {
  employee_id: 'E1',
  given_name: 'Ada',
  family_name: 'Lovelace',
  full_name: '',
  email: 'ada.lovelace@demo.gov',
  job_title: 'Analyst',
  department: 'R&D (West)',
  component: '',
  location: '',
  manager: '',
  user_type: 'government',
  home_agency: '9700',
  affiliations: '',
  status: 'active',
  leave_type: '',
  hire_date: '',
};
const at = { file: 'hr.csv', line: 7 };

test('an HR row with a checked name and email is taken, and a department keeps its punctuation', () => {
  const { record, errors } = validateRow(SOURCE_FORMATS.hr, ROW, at);
  assert.deepEqual(errors, []);
  assert.equal(record?.values.department, 'R&D (West)');
});

test('hostile names and emails are refused, each naming its field and line', () => {
  const cases: [Partial<typeof ROW>, string, RegExp][] = [
    [{ given_name: '<script>alert(1)</script>' }, 'given_name', /letters, digits, spaces/],
    [{ family_name: 'Lovelace\u202Eevil' }, 'family_name', /bidirectional control/],
    [{ full_name: 'J\u043Ehn Smith' }, 'full_name', /look-alike/],
    [{ email: '<img/src=x/onerror=alert(1)>@evil.gov' }, 'email', /RFC 5322/],
    [{ email: 'j\u043Ehn@demo.gov' }, 'email', /RFC 5322/],
    [{ job_title: 'Analyst\u0007' }, 'job_title', /control characters/],
  ];
  for (const [change, field, problem] of cases) {
    const { record, errors } = validateRow(SOURCE_FORMATS.hr, { ...ROW, ...change }, at);
    assert.equal(record, undefined, field);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]?.field, field);
    assert.equal(errors[0]?.line, 7);
    assert.match(errors[0]?.message ?? '', problem);
  }
});
