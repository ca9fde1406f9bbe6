import { join } from 'node:path';
import { writeDemoAgency, writeTruncated } from '../demo/index.ts';
import type { ImportRun } from '../sources/runs.ts';
import type { Muster } from './context.ts';
import { type DemoCards, seedDemoOperatorCards } from './demo-operator-cards.ts';
import { createCampaign } from '../governance/index.ts';
import { type DemoCatalogue, seedDemoCatalogue } from './demo-catalogue.ts';
import { type DemoTokens, seedDemoOperators } from './demo-operators.ts';
import { campaignDeps } from './governance.ts';

export interface DemoSeed {
  readonly seeded: boolean;
  readonly folder: string;
  /** The demo operators' tokens, by name (also in `<folder>/tokens/<name>`). */
  readonly tokens?: DemoTokens;
  /** The demo operators' software PIV cards, by name: the files under `<folder>/cards/`. */
  readonly cards?: DemoCards;
  readonly runs: readonly ImportRun[];
  /** The open certification campaign of the demo (the privileged access, reviewed by managers). */
  readonly campaignId?: string;
  /** The catalogue items seeded and the request left pending. */
  readonly catalogue?: DemoCatalogue;
}

export const DEMO_PEOPLE = 2000;
export const DEMO_SEED = 1;

/**
 * Seeds an empty MUR with the demo agency (HR, NPE, vetting and training feeds of day 0), writes the
 * next day's snapshot and a truncated one beside them for the walk-through, makes a few
 * operators with their tokens and software PIV cards, a small catalogue of requestable access with one request
 * pending, and opens a certification campaign of the privileged access (the operators' roles), due in 14 days.
 * Does nothing when the MUR already holds identities.
 */
export async function seedDemoAgency(ctx: Muster, actor: string, correlationId: string): Promise<DemoSeed> {
  const folder = join(ctx.config.dataDir === ':memory:' ? '.' : ctx.config.dataDir, 'demo');
  const [row] = await ctx.store.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM identities) AS any');
  if (row?.any) return { seeded: false, folder, runs: [] };
  const options = { seed: DEMO_SEED, people: DEMO_PEOPLE, agencyCode: ctx.config.agency.code, agencyName: ctx.config.agency.name };
  const day0 = await writeDemoAgency(join(folder, 'day0'), { ...options, day: 0 }, 'csv');
  const day1 = await writeDemoAgency(join(folder, 'day1'), { ...options, day: 1 }, 'csv');
  await writeTruncated(day1.files.hr, join(folder, 'hr-truncated.csv'), 0.5);
  const runs: ImportRun[] = [];
  for (const source of ['hr', 'npe', 'vetting', 'training'] as const) {
    runs.push(await ctx.imports.run({ source, file: day0.files[source], actor, correlationId, skipInvalid: true }));
  }
  const tokens = await seedDemoOperators(ctx, folder, day0.files, day1.manifest.expected, actor, correlationId);
  const cards = await seedDemoOperatorCards(ctx, folder, tokens, correlationId);
  const catalogue = await seedDemoCatalogue(ctx, tokens, actor, correlationId);
  const { campaign } = await createCampaign(campaignDeps(ctx), {
    name: 'demo quarterly privileged review',
    scope: 'privileged',
    reviewers: 'manager',
    due: '14d',
    reason: "the demo agency's quarterly review of privileged access",
    actor,
    correlationId,
  });
  return { seeded: true, folder, tokens, cards, runs, catalogue, campaignId: campaign.id };
}
