import { type AccessChange, isEmptyChange } from '../../core/access/diff.ts';
import { type Policy, checkPolicy } from '../../core/access/policy.ts';
import type { Queryable } from '../../store/store.ts';
import { planIdentities } from './plan.ts';
import { activePolicies } from './policies.ts';
import { MAY_HOLD_ACCESS } from './recompute-all.ts';
import type { AccessTargets } from './targets.ts';

export interface DryRunRequest {
  /** Policies to try instead of (or besides) those in force: name → document, or null to leave one out. */
  readonly proposed?: Readonly<Record<string, unknown>>;
  /** Only these identities (default: every identity that has or may get access). */
  readonly identityIds?: readonly string[];
}

export interface DryRunResult {
  readonly policies: readonly { name: string; version: number | 'proposed' }[];
  readonly identities: number;
  readonly summary: Readonly<Record<string, number>>;
  readonly changes: readonly DryRunChange[];
}

/** One identity's change; `label` is its employee or NPE id, else its name, for people to read. */
export interface DryRunChange {
  readonly identityId: string;
  readonly label: string | null;
  readonly change: AccessChange;
}

const BLOCK = 2000;

/**
 * What applying the policies (those in force, with any proposed edits) would change, for whom,
 * without changing anything: the same planner the recompute job runs.
 */
export async function dryRunAccess(db: Queryable, targets: AccessTargets, now: Date, request: DryRunRequest = {}): Promise<DryRunResult> {
  const policies = withProposed(await activePolicies(db), request.proposed ?? {}, targets.names);
  const ids = request.identityIds ?? (await candidates(db));
  const changes: DryRunChange[] = [];
  for (let i = 0; i < ids.length; i += BLOCK) {
    const plans = await planIdentities(db, ids.slice(i, i + BLOCK), policies, targets, now, () => 'dry-run');
    const labels = await labelsOf(
      db,
      plans.map((p) => p.identityId),
    );
    for (const p of plans) if (!isEmptyChange(p.change)) changes.push({ identityId: p.identityId, label: labels.get(p.identityId) ?? null, change: p.change });
  }
  return { policies: policies.map((p) => ({ name: p.name, version: p.version < 0 ? 'proposed' : p.version })), identities: ids.length, summary: summarise(changes.map((c) => c.change)), changes };
}

function withProposed(current: readonly Policy[], proposed: Readonly<Record<string, unknown>>, targets: readonly string[]): Policy[] {
  const byName = new Map(current.map((p) => [p.name, p]));
  for (const [name, document] of Object.entries(proposed)) {
    if (document === null) byName.delete(name);
    else byName.set(name, { name, version: -1, document: checkPolicy(name, document, targets) });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

async function candidates(db: Queryable): Promise<string[]> {
  const rows = await db.query(`SELECT id FROM identities i WHERE ${MAY_HOLD_ACCESS} ORDER BY id`);
  return rows.map((r) => r.id as string);
}

async function labelsOf(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query(
    `SELECT id, COALESCE(attributes -> 'employee_id' ->> 'v', attributes -> 'npe_id' ->> 'v', attributes -> 'full_name' ->> 'v') AS label
     FROM identities WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.filter((r) => r.label !== null).map((r) => [r.id as string, r.label as string]));
}

function summarise(changes: readonly AccessChange[]): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  for (const c of changes) {
    for (const a of c.accounts) add(`${a.target}.${a.action}`);
    for (const g of c.granted) add(`${g.target}.grant`);
    for (const r of c.removed) add(`${r.target}.remove`);
    for (const s of c.suspended) add(`${s.target}.suspend`);
    for (const s of c.resumed) add(`${s.target}.resume`);
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
