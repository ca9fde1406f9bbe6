/**
 * The dependency audit CI runs after `npm ci`: `npm audit --omit=dev --audit-level=high`. Known high- or
 * critical-severity advisories in production dependencies fail it (exit 1); a registry that cannot be reached
 * is reported and skipped (exit 0), so a network outage never fails CI, only advisories do.
 */
import { spawnSync } from 'node:child_process';

export type AuditVerdict = { kind: 'clean' } | { kind: 'advisories'; packages: string[] } | { kind: 'unreachable'; reason: string };

const failing = new Set(['high', 'critical']);

/** Reads `npm audit --json` output (and its exit status) into a verdict. */
export function judgeAudit(stdout: string, status: number | null): AuditVerdict {
  let report: unknown;
  try {
    report = JSON.parse(stdout);
  } catch {
    return { kind: 'unreachable', reason: `npm audit gave no report (exit ${status})` };
  }
  const body = report as {
    error?: { code?: string; summary?: string };
    message?: string;
    vulnerabilities?: Record<string, { severity?: string }>;
  };
  if (body.error) return { kind: 'unreachable', reason: body.message || body.error.summary || body.error.code || 'error' };
  const packages = Object.entries(body.vulnerabilities ?? {})
    .filter(([, v]) => failing.has(String(v.severity)))
    .map(([name, v]) => `${name} (${v.severity})`);
  if (packages.length > 0) return { kind: 'advisories', packages };
  if (status !== 0 && body.vulnerabilities === undefined) return { kind: 'unreachable', reason: `npm audit exited ${status}` };
  return { kind: 'clean' };
}

function main(): number {
  const run = spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], { encoding: 'utf8', timeout: 120_000 });
  const verdict = run.error ? ({ kind: 'unreachable', reason: run.error.message } as const) : judgeAudit(run.stdout ?? '', run.status);
  if (verdict.kind === 'clean') {
    console.log('[ci] dependency audit: no known high-severity advisory in production dependencies');
    return 0;
  }
  if (verdict.kind === 'unreachable') {
    console.log(`[ci] dependency audit skipped: the registry's audit service could not be reached (${verdict.reason})`);
    return 0;
  }
  console.error(`[ci] dependency audit failed: high-severity advisories in ${verdict.packages.join(', ')}`);
  return 1;
}

if (import.meta.main) process.exitCode = main();
