import type { TargetRule } from '../../core/access/evaluate.ts';

/** What the access engine needs to know of the configured targets. */
export interface AccessTargets {
  readonly rules: readonly TargetRule[];
  readonly names: readonly string[];
}

export function accessTargets(rules: readonly TargetRule[]): AccessTargets {
  return { rules, names: rules.map((r) => r.name) };
}

/** The ISO day of an instant (for training expiry). */
export function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
