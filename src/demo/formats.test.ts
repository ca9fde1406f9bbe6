import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { HR_COLUMNS, NPE_COLUMNS, TRAINING_COLUMNS, VETTING_COLUMNS, writeDemoAgency, type DemoFiles, type DemoManifest } from './index.ts';
import { byId, indexOf, readCsv, withTempDir } from './test-support.ts';

const HEADERS = {
  hr: 'employee_id,given_name,family_name,full_name,email,job_title,department,component,location,manager,user_type,home_agency,affiliations,status,leave_type,hire_date',
  npe: 'npe_id,kind,full_name,sponsor,expires,department,component,home_agency,status',
  vetting: 'employee_id,eligibility,status,investigation_type,adjudication_date,continuous_vetting',
  training: 'employee_id,course,status,completed,expires',
} as const;
const KINDS = ['hr', 'npe', 'vetting', 'training'] as const;
type Parsed = Record<(typeof KINDS)[number], Record<string, string>[]>;

const PEOPLE = 4000;
let text: Record<string, string> = {};
let parsed = {} as Parsed;
let jsonl: Record<string, string> = {};
let manifest: DemoManifest;

async function readAll(files: DemoFiles): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(KINDS.map(async (kind) => [kind, await readFile(files[kind], 'utf8')])));
}

before(async () => {
  await withTempDir(async (dir) => {
    const csv = await writeDemoAgency(`${dir}/csv`, { seed: 7, people: PEOPLE, agencyCode: '9701', domain: 'example.gov' }, 'csv');
    manifest = csv.manifest;
    text = await readAll(csv.files);
    for (const kind of KINDS) parsed[kind] = (await readCsv(csv.files[kind])).rows;
    jsonl = await readAll((await writeDemoAgency(`${dir}/jsonl`, { seed: 7, people: PEOPLE, agencyCode: '9701', domain: 'example.gov' }, 'jsonl')).files);
  });
});

describe('demo agency file formats', () => {
  it('starts every CSV with the exact header, no BOM, and ends lines with \\n only', () => {
    for (const kind of KINDS) {
      const body = text[kind] ?? '';
      assert.equal(body.split('\n', 1)[0], HEADERS[kind], `${kind} header`);
      assert.ok(!body.startsWith('\uFEFF') && !body.includes('\r') && body.endsWith('\n'), `${kind} line ends`);
    }
    assert.deepEqual(
      [HR_COLUMNS, NPE_COLUMNS, VETTING_COLUMNS, TRAINING_COLUMNS].map((c) => c.join(',')),
      KINDS.map((k) => HEADERS[k]),
    );
  });

  it('parses back with RFC 4180 quoting, including values with commas and accents', () => {
    const hr = parsed.hr;
    assert.equal(hr.length, PEOPLE);
    assert.equal(manifest.counts.hr, hr.length);
    assert.ok(hr.some((r) => r.location === 'Washington, DC'));
    assert.ok(hr.some((r) => /[^\x00-\x7f]/.test(r.full_name ?? '')));
    assert.ok((text.hr ?? '').includes('"Washington, DC"'));
    for (const kind of KINDS) assert.equal(parsed[kind].length, manifest.counts[kind], `${kind} count`);
  });

  it('writes JSON Lines with the same keys in order, all values strings, same content as CSV', () => {
    for (const kind of KINDS) {
      const lines = (jsonl[kind] ?? '').split('\n');
      assert.equal(lines.pop(), '');
      const objects = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.equal(objects.length, parsed[kind].length);
      objects.forEach((o, i) => {
        assert.equal(Object.keys(o).join(','), HEADERS[kind]);
        assert.ok(Object.values(o).every((v) => typeof v === 'string'));
        assert.deepEqual(o, parsed[kind][i]);
      });
    }
  });

  it('gives unique employee ids and ASCII lower-case emails on the agency domain', () => {
    const hr = parsed.hr;
    assert.equal(new Set(hr.map((r) => r.employee_id)).size, hr.length);
    assert.equal(new Set(hr.map((r) => r.email)).size, hr.length);
    for (const r of hr) {
      assert.match(r.employee_id ?? '', /^E\d{7}$/);
      assert.match(r.email ?? '', new RegExp(`^[a-z0-9]+\\.[a-z0-9]+\\.${indexOf(r.employee_id ?? '')}@example\\.gov$`));
      assert.equal(r.home_agency, '9701');
      assert.match(r.hire_date ?? '', /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(r.affiliations?.startsWith('Demo Agency'));
      assert.equal(r.user_type !== 'government', r.affiliations?.includes(';'), 'contractors and others (only) carry a second affiliation');
    }
  });
});

describe('demo agency org chart', () => {
  it('points every manager at an earlier person of the same department', () => {
    const hr = byId(parsed.hr);
    for (const r of parsed.hr) {
      if (!r.manager) continue;
      const manager = hr.get(r.manager);
      assert.ok(manager, `${r.employee_id}: manager ${r.manager} missing`);
      assert.ok(indexOf(r.manager) < indexOf(r.employee_id ?? ''), `${r.employee_id}: manager not earlier`);
      assert.equal(manager.department, r.department, `${r.employee_id}: manager in another department`);
    }
  });

  it('leaves the manager empty exactly for the lowest index of each department', () => {
    const lowest = new Map<string, string>();
    for (const r of parsed.hr) if (!lowest.has(r.department ?? '')) lowest.set(r.department ?? '', r.employee_id ?? '');
    const heads = parsed.hr.filter((r) => !r.manager).map((r) => r.employee_id);
    assert.deepEqual(heads.sort(), [...lowest.values()].sort());
    assert.ok(lowest.size >= 35 && lowest.size <= 40, `${lowest.size} departments`);
    const components = new Map(parsed.hr.map((r) => [r.department, r.component]));
    assert.equal(new Set(components.values()).size, 8);
    for (const r of parsed.hr) assert.equal(components.get(r.department), r.component, 'a department belongs to one component');
  });

  it('draws user types near 80 / 18 / 2 percent', () => {
    const share = (type: string): number => parsed.hr.filter((r) => r.user_type === type).length / PEOPLE;
    assert.ok(Math.abs(share('government') - 0.8) < 0.03, `government ${share('government')}`);
    assert.ok(Math.abs(share('contractor') - 0.18) < 0.03, `contractor ${share('contractor')}`);
    assert.ok(share('other') > 0.005 && share('other') < 0.04, `other ${share('other')}`);
  });
});

describe('demo agency side feeds', () => {
  it('sponsors each NPE by an active person and lets some expire before the snapshot', () => {
    const hr = byId(parsed.hr);
    assert.equal(parsed.npe.length, PEOPLE / 50);
    assert.equal(new Set(parsed.npe.map((r) => r.npe_id)).size, parsed.npe.length);
    for (const n of parsed.npe) {
      assert.match(n.npe_id ?? '', /^N\d{6}$/);
      assert.match(n.kind ?? '', /^(service|bot|ai_agent|device)$/);
      assert.equal(hr.get(n.sponsor ?? '')?.status, 'active', `${n.npe_id} sponsor`);
      assert.equal(n.status, 'active');
    }
    const expired = parsed.npe.filter((n) => (n.expires ?? '') < manifest.date).length;
    assert.ok(expired > 0 && expired < parsed.npe.length / 3, `${expired} expired`);
  });

  it('vets every person who is not terminated, and nobody else', () => {
    const notTerminated = parsed.hr.filter((r) => r.status !== 'terminated').map((r) => r.employee_id);
    assert.ok(notTerminated.length < PEOPLE, 'day 0 has some recently separated persons');
    assert.deepEqual(
      parsed.vetting.map((v) => v.employee_id),
      notTerminated,
    );
    for (const v of parsed.vetting) {
      assert.match(v.eligibility ?? '', /^(favorable|interim|pending|unfavorable)$/);
      assert.match(v.status ?? '', /^(current|in_progress|expired)$/);
      assert.match(v.investigation_type ?? '', /^Tier [1245]$/);
      assert.equal(v.adjudication_date === '', v.eligibility === 'pending');
      assert.match(v.continuous_vetting ?? '', /^(true|false)$/);
    }
    const favorable = parsed.vetting.filter((v) => v.eligibility === 'favorable').length / parsed.vetting.length;
    assert.ok(favorable > 0.85 && favorable < 0.95, `favorable ${favorable}`);
  });

  it('gives each vetted person one to three distinct courses with consistent dates', () => {
    const perPerson = new Map<string, string[]>();
    for (const t of parsed.training) perPerson.set(t.employee_id ?? '', [...(perPerson.get(t.employee_id ?? '') ?? []), t.course ?? '']);
    assert.deepEqual(
      [...perPerson.keys()],
      parsed.vetting.map((v) => v.employee_id),
    );
    for (const courses of perPerson.values()) {
      assert.ok(courses.length >= 1 && courses.length <= 3);
      assert.equal(new Set(courses).size, courses.length);
    }
    for (const t of parsed.training) {
      assert.match(t.status ?? '', /^(complete|incomplete|overdue)$/);
      if (t.status === 'complete') assert.ok((t.expires ?? '') >= manifest.date && (t.completed ?? '') <= manifest.date);
      if (t.completed) assert.ok((t.expires ?? '') > t.completed);
    }
  });
});
