// Certification campaign benchmark, on a PostgreSQL database with the lifecycle benchmark's three real targets
// (slapd and two SCIM services on SCIMMY):
//  - a campaign over MUSTER_BENCH_CAMPAIGN_PEOPLE (default 100,000) people × 5 privileged directory groups each:
//    the time to make its items (one per identity and group, each with its manager as reviewer);
//  - MUSTER_BENCH_CAMPAIGN_REVOCATIONS (default 10,000) of its items revoked (the rest kept), the campaign closed, until
//    every revoked membership is gone from the directory: time and rate;
//  - beside it, the mass termination of the same run: MUSTER_BENCH_MASS (default 10,000) of the same people terminated
//    by one snapshot until every account is disabled in the three targets (bench/lifecycle/mass.ts).
// The directory gets MUSTER_BENCH_CAMPAIGN_LDAP_CONCURRENCY (default 64) operations in flight: the member changes of one
// group made at once go out in one modify, and each modify of a large group costs slapd in proportion to its size.
// Run alone with MUSTER_BENCH_ONLY=campaign npm run bench (or node bench/campaign.ts); the database it drops and makes
// afresh is MUSTER_BENCH_CAMPAIGN_DATABASE (default muster_bench_campaign) on the benchmark's server.
import { sql } from 'kysely';
import type { Connector } from '../src/connectors/accounts/port.ts';
import { closeCampaign, createCampaign } from '../src/governance/index.ts';
import { campaignDeliver, campaignDeps } from '../src/runtime/governance.ts';
import { massTermination } from './lifecycle/mass.ts';
import { drained, employeeIds, startBench } from './lifecycle/setup.ts';

const PEOPLE = Number(process.env.MUSTER_BENCH_CAMPAIGN_PEOPLE ?? 100_000);
const REVOCATIONS = Number(process.env.MUSTER_BENCH_CAMPAIGN_REVOCATIONS ?? 10_000);
const MASS = Number(process.env.MUSTER_BENCH_MASS ?? 10_000);
const DIRECTORY_CONCURRENCY = Number(process.env.MUSTER_BENCH_CAMPAIGN_LDAP_CONCURRENCY ?? 64);
const GROUPS = ['ops-a', 'ops-b', 'ops-c', 'ops-d', 'ops-e'];
const line = (text: string) => process.stdout.write(`${text}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const FIVE_GROUPS = {
  kind: 'birthright',
  description: 'five privileged directory groups for every person',
  when: [{ attribute: 'kind', in: ['person'] }],
  grants: [{ target: 'directory', groups: GROUPS.map((name) => ({ name, privileged: true })) }],
};

/** Members of a directory group, counted from the accounts' memberships. */
async function members(directory: Connector, group: string): Promise<number> {
  let n = 0;
  for await (const page of directory.listAccounts(1000)) for (const a of page) if (a.groups.includes(group)) n++;
  return n;
}

export async function campaignBenchmark(): Promise<void> {
  const revocations = Math.min(REVOCATIONS, PEOPLE);
  const mass = Math.min(MASS, PEOPLE);
  line(
    `\ncampaign: PostgreSQL, targets slapd + 2 × SCIMMY on loopback, ${fmt(PEOPLE)} people × ${GROUPS.length} privileged groups, all in one process, ${DIRECTORY_CONCURRENCY} operations in flight against slapd`,
  );
  // the three targets of the docs (slapd and two SCIM services): Samba's AD DC would double the joiners' set-up alone
  const bench = await startBench(process.env.MUSTER_BENCH_CAMPAIGN_DATABASE ?? 'muster_bench_campaign', { ad: false, directoryConcurrency: DIRECTORY_CONCURRENCY });
  try {
    const { muster } = bench;
    await muster.policies.save('five-groups', FIVE_GROUPS, 'bench', 'benchmark entitlements');
    const everyone = employeeIds(PEOPLE);
    const joinStarted = performance.now();
    // every tenth person manages the nine after them
    const position = new Map(everyone.map((id, i) => [id, i]));
    const managerOf = (id: string) => {
      const manager = everyone[Math.floor((position.get(id) ?? 0) / 10) * 10] as string;
      return { manager: manager === id ? '' : manager };
    };
    await bench.importHr('joiners', everyone, 'active', new Set(), managerOf);
    await drained(muster, 3_600_000);
    const joinSeconds = (performance.now() - joinStarted) / 1000;
    const memberships = PEOPLE * GROUPS.length;
    line(`  set-up: ${fmt(PEOPLE)} joiners with ${fmt(memberships)} privileged memberships in ${fmt(joinSeconds, 1)} s (${fmt(memberships / joinSeconds)} memberships/s)`);

    const deps = campaignDeps(muster);
    const createStarted = performance.now();
    const { campaign, items } = await createCampaign(deps, { scope: 'privileged', reviewers: 'manager', due: '14d', reason: 'benchmark', actor: 'bench', correlationId: 'bench-campaign' });
    const createSeconds = (performance.now() - createStarted) / 1000;
    line(`  campaign created: ${fmt(items)} items in ${fmt(createSeconds, 1)} s (${fmt(items / createSeconds)} items/s)`);

    // The reviewers' answers, written as their decisions would be: the first group of `revocations` people revoked, the rest kept.
    const revoked = new Set(everyone.slice(0, revocations));
    await muster.store.db
      .updateTable('campaign_items as c')
      .set({ decision: 'revoke', comment: 'bench', decided_by: 'bench', decided_at: new Date() })
      .where('c.campaign_id', '=', campaign.id)
      .where('c.entitlement', '=', GROUPS[0] as string)
      // through the employee_id index: one look-up per revoked person, not a scan of the list per item
      .where('c.identity_id', 'in', (eb) =>
        eb
          .selectFrom('identities as i')
          .select('i.id')
          .where(sql<boolean>`i.attributes->'employee_id'->>'v' = any(${[...revoked]}::text[])`),
      )
      .execute();
    await muster.store.db
      .updateTable('campaign_items')
      .set({ decision: 'keep', comment: 'bench', decided_by: 'bench', decided_at: new Date() })
      .where('campaign_id', '=', campaign.id)
      .where('decision', 'is', null)
      .execute();
    const before = await members(bench.connectors.get('directory') as Connector, GROUPS[0] as string);

    const closeStarted = performance.now();
    const row = await muster.store.db.selectFrom('campaigns').selectAll().where('id', '=', campaign.id).executeTakeFirstOrThrow();
    await closeCampaign(deps, row, campaignDeliver(muster));
    const closeSeconds = (performance.now() - closeStarted) / 1000;
    await drained(muster, 3_600_000);
    const seconds = (performance.now() - closeStarted) / 1000;
    const after = await members(bench.connectors.get('directory') as Connector, GROUPS[0] as string);
    line(`  campaign revocations: ${fmt(revocations)} memberships removed from the directory in ${fmt(seconds, 1)} s (close ${fmt(closeSeconds, 1)} s)`);
    line(`    muster:                     ${fmt(revocations / seconds).padStart(7)} revocations/s   (${fmt(before - after)} of ${fmt(revocations)} gone from ${GROUPS[0]})`);

    const leaving = everyone.slice(PEOPLE - mass);
    const result = await massTermination(bench, everyone, [], leaving, managerOf);
    line(
      `    mass termination, same run: ${fmt(result.accounts / result.seconds).padStart(7)} accounts/s   (${fmt(mass)} people, ${fmt(result.accounts)} accounts disabled in ${fmt(result.seconds, 1)} s)`,
    );
  } finally {
    await bench.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await campaignBenchmark();
