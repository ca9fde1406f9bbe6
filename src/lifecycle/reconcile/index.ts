export { type ArchiveDeps, type ArchiveOptions, archiveAccounts, archiveLeavers, archiveOrphans } from './archive.ts';
export type { MembershipAction, OrphanAction } from './correlate.ts';
export { type ReconcileDeps, type ReconcileOptions, reconcileTarget } from './reconcile.ts';
export { type Orphan, getRun, listFindings, listRuns, orphanReport } from './reports.ts';
export { type Finding, type ReconciliationRun, type RunCounts, SITUATIONS, type Situation } from './runs.ts';
