// One measured import in its own process, so that its peak RSS is its own. Prints one JSON line.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { signerFromPem, generateSigningKeyPem } from '../src/audit/checkpoint.ts';
import { AuditWriter } from '../src/audit/writer.ts';
import { systemClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/config/load.ts';
import { ImportService } from '../src/sources/importer.ts';
import { SourceRegistry } from '../src/sources/registry.ts';
import { openStore } from '../src/store/open.ts';

const { values } = parseArgs({
  options: { url: { type: 'string' }, dataDir: { type: 'string' }, file: { type: 'string' }, source: { type: 'string', default: 'hr' }, 'row-by-row': { type: 'boolean', default: false } },
});
const config = loadConfig({ env: {}, overrides: { dataDir: values.dataDir ?? ':memory:', databaseUrl: values.url, import: { massChangeShare: 1 } } });
const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const audit = new AuditWriter({ clock: systemClock, signer: signerFromPem(generateSigningKeyPem()), checkpointInterval: config.audit.checkpointInterval });
const imports = new ImportService({ store, clock: systemClock, audit, config, registry: new SourceRegistry(config), ...(values['row-by-row'] ? { setWiseJoiners: false } : {}) });
const started = performance.now();
const cpuBefore = process.cpuUsage();
const run = await imports.run({ source: values.source as string, file: values.file as string, actor: 'bench' });
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
await store.close();
process.stdout.write(
  `${JSON.stringify({ status: run.status, rows: run.summary.rows, summary: run.summary, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
