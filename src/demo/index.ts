/** The seeded synthetic agency: HR, NPE, vetting and training feeds for the demo, tests and benchmarks. */
export { writeDemoAgency, type DemoFiles, type DemoManifest, type ExpectedChanges } from './write.ts';
export { writeTruncated } from './truncate.ts';
export { hrRows } from './rows.ts';
export { DEFAULT_CHANGE_RATE, DEFAULT_RATES, resolveOptions, type DemoOptions, type DemoRates, type ResolvedOptions } from './options.ts';
export { HR_COLUMNS, NPE_COLUMNS, TRAINING_COLUMNS, VETTING_COLUMNS } from './columns.ts';
export type { DemoFormat } from './encode.ts';
