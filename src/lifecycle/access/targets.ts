import type { TargetRule } from '../../core/access/evaluate.ts';

/** What the access engine needs to know of the configured targets. */
export interface AccessTargets {
  readonly rules: readonly TargetRule[];
  readonly names: readonly string[];
}

export function accessTargets(rules: readonly TargetRule[]): AccessTargets {
  return { rules, names: rules.map((r) => r.name) };
}

/** The ISO day of an instant or a date column (for training expiry); null for none. */
export function isoDay(at: Date): string;
export function isoDay(at: unknown): string | null;
export function isoDay(at: unknown): string | null {
  if (at instanceof Date) return at.toISOString().slice(0, 10);
  return at ? String(at).slice(0, 10) : null;
}
