import type { Clock } from '../../core/clock.ts';
import { MusterError } from '../../core/errors.ts';
import type { Queryable } from '../../store/store.ts';
import { CDM_COLUMNS, CDM_EXPORT_OBJECTS, type CdmExportObject, cdmRecords } from './cdm-export.ts';
import { phishingResistantCoverage } from './coverage-repository.ts';
import type { Cell } from './csv.ts';
import { trainingLapses, vettingLapses } from './lapses-repository.ts';
import { leaverLatency } from './latency-repository.ts';
import { addDays, day, parseDays, parseSince } from './options.ts';
import { orphansByTarget } from './orphans-repository.ts';
import { privilegedWithoutPiv } from './privileged-repository.ts';

export const REPORT_NAMES = ['phishing-resistant-coverage', 'privileged-without-piv', 'orphans', 'lapses', 'leaver-latency', 'cdm-export'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** The most rows a listing report returns; `truncated` says when there were more. */
export const REPORT_ROW_LIMIT = 10_000;

export interface ReportParams {
  /** lapses: the window ahead, `30d` (default) */
  readonly within?: string;
  /** leaver-latency: ISO 8601 time or a window back, `30d` (default) */
  readonly since?: string;
  /** cdm-export: only these objects (default all) */
  readonly objects?: readonly string[];
}

export type ReportRow = Readonly<Record<string, Cell>>;

export interface Report {
  readonly name: ReportName;
  readonly generatedAt: Date;
  /** the parameters the report ran with, resolved (dates, windows) */
  readonly parameters: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
  readonly rows: readonly ReportRow[];
  readonly truncated: boolean;
}

export function isReportName(name: string): name is ReportName {
  return (REPORT_NAMES as readonly string[]).includes(name);
}

export function reportName(name: string): ReportName {
  if (isReportName(name)) return name;
  throw new MusterError('MUSTER_ERR_NOT_FOUND', `no report ${name}`, [{ field: 'name', value: name, message: `one of ${REPORT_NAMES.join(', ')}` }]);
}

const COLUMNS: Readonly<Record<Exclude<ReportName, 'cdm-export'>, readonly string[]>> = {
  'phishing-resistant-coverage': ['user_type', 'active', 'piv', 'derived_pki', 'fido2', 'none', 'phishing_resistant', 'share'],
  'privileged-without-piv': ['identity_id', 'status', 'user_type', 'full_name', 'privileged_entitlements', 'operator_roles'],
  orphans: ['target', 'run_id', 'run_at', 'orphans', 'privileged_orphans', 'enabled_orphans'],
  lapses: ['identity_id', 'user_type', 'full_name', 'area', 'item', 'state', 'status', 'due'],
  'leaver-latency': ['point', 'leavers', 'p50_seconds', 'p99_seconds', 'max_seconds'],
};

/** The CDM objects a cdm-export names, checked. */
export function cdmObjects(names: readonly string[] | undefined): Set<CdmExportObject> {
  if (names === undefined || names.length === 0) return new Set(CDM_EXPORT_OBJECTS);
  const upper = names.map((n) => n.toUpperCase());
  const bad = upper.find((n) => !(CDM_EXPORT_OBJECTS as readonly string[]).includes(n));
  if (bad !== undefined) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `object: no CDM object ${bad} in the export`, [{ field: 'object', value: bad, message: `one of ${CDM_EXPORT_OBJECTS.join(', ')}` }]);
  }
  return new Set(upper as CdmExportObject[]);
}

/** Runs one table report (every report but cdm-export, which streams: see `cdmRecords`). */
export async function runReport(db: Queryable, clock: Clock, name: ReportName, params: ReportParams = {}): Promise<Report> {
  const generatedAt = clock.now();
  const done = (parameters: Record<string, string>, found: readonly object[], limit = Number.POSITIVE_INFINITY): Report => {
    const rows = found as readonly ReportRow[];
    return {
      name,
      generatedAt,
      parameters,
      columns: name === 'cdm-export' ? CDM_COLUMNS : COLUMNS[name],
      rows: rows.slice(0, limit),
      truncated: rows.length > limit,
    };
  };
  switch (name) {
    case 'phishing-resistant-coverage':
      return done({}, await phishingResistantCoverage(db));
    case 'privileged-without-piv':
      return done({}, await privilegedWithoutPiv(db, REPORT_ROW_LIMIT + 1), REPORT_ROW_LIMIT);
    case 'orphans':
      return done({}, await orphansByTarget(db));
    case 'lapses': {
      const days = parseDays('within', params.within ?? '30d');
      const window = { today: day(generatedAt), until: day(addDays(generatedAt, days)) };
      const rows = [...(await trainingLapses(db, window, REPORT_ROW_LIMIT + 1)), ...(await vettingLapses(db, window, REPORT_ROW_LIMIT + 1))];
      return done({ today: window.today, until: window.until }, rows, REPORT_ROW_LIMIT);
    }
    case 'leaver-latency': {
      const since = parseSince(params.since ?? '30d', generatedAt);
      return done({ since: since.toISOString() }, await leaverLatency(db, since));
    }
    case 'cdm-export': {
      const objects = cdmObjects(params.objects);
      const rows: ReportRow[] = [];
      for await (const record of cdmRecords(db, objects)) {
        rows.push(record);
        if (rows.length > REPORT_ROW_LIMIT) break;
      }
      return done({ objects: [...objects].join(',') }, rows, REPORT_ROW_LIMIT);
    }
  }
}
