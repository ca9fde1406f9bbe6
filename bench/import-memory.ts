// Where an import's memory goes: one import in this process, sampled every 50 ms — RSS, the JS heap, memory outside
// it (`external`) and embedded PGlite's WebAssembly heap — and the peak the kernel saw. Prints one JSON line; with
// MUSTER_BENCH_TRACE=1 each sample too, on stderr. A sample cannot be taken while the event loop is held (opening
// PGlite): maxRss covers those moments.
//   node bench/import-memory.ts --file hr.csv [--dataDir dir | --url postgres://…] [--open-only]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { generateSigningKeyPem, signerFromPem } from '../src/audit/checkpoint.ts';
import { AuditWriter } from '../src/audit/writer.ts';
import { loadConfig } from '../src/config/load.ts';
import { systemClock } from '../src/core/clock.ts';
import { ImportService } from '../src/sources/importer.ts';
import { SourceRegistry } from '../src/sources/registry.ts';
import { openStore } from '../src/store/open.ts';

const { values } = parseArgs({ options: { url: { type: 'string' }, dataDir: { type: 'string' }, file: { type: 'string' }, 'open-only': { type: 'boolean', default: false } } });
const MiB = (n: number) => Math.round(n / 1048576);

// PGlite keeps its module private; the first query tells which instance to read the WebAssembly heap of.
let pglite: { mod?: { HEAPU8?: Uint8Array } } | undefined;
const query = PGlite.prototype.query;
PGlite.prototype.query = function (this: PGlite, ...args: Parameters<PGlite['query']>) {
  pglite ??= this as unknown as typeof pglite;
  return query.apply(this, args) as never;
} as PGlite['query'];

const peak = { rss: 0, heap: 0, external: 0, wasm: 0 };
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  const wasm = pglite?.mod?.HEAPU8?.length ?? 0;
  peak.rss = Math.max(peak.rss, m.rss);
  peak.heap = Math.max(peak.heap, m.heapUsed);
  peak.external = Math.max(peak.external, m.external);
  peak.wasm = Math.max(peak.wasm, wasm);
  if (process.env.MUSTER_BENCH_TRACE) process.stderr.write(`${Math.round(performance.now())} ms rss ${MiB(m.rss)} heap ${MiB(m.heapUsed)} external ${MiB(m.external)} wasm ${MiB(wasm)}\n`);
}, 50);
sampler.unref();

const config = loadConfig({ env: {}, overrides: { dataDir: values.dataDir ?? ':memory:', databaseUrl: values.url, import: { massChangeShare: 1 } } });
const started = performance.now();
const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const opened = { seconds: (performance.now() - started) / 1000, maxRss: MiB(process.resourceUsage().maxRSS * 1024) };
let run: Record<string, unknown> = {};
if (!values['open-only']) {
  const audit = new AuditWriter({ clock: systemClock, signer: signerFromPem(generateSigningKeyPem()), checkpointInterval: config.audit.checkpointInterval });
  const imports = new ImportService({ store, clock: systemClock, audit, config, registry: new SourceRegistry(config) });
  const begun = performance.now();
  const done = await imports.run({ source: 'hr', file: values.file as string, actor: 'bench' });
  const seconds = (performance.now() - begun) / 1000;
  run = { status: done.status, rows: done.summary.rows, seconds, perSecond: Math.round(done.summary.rows / seconds) };
}
await store.close();
const sampled = { rss: MiB(peak.rss), heap: MiB(peak.heap), external: MiB(peak.external), wasm: MiB(peak.wasm) };
process.stdout.write(`${JSON.stringify({ opened, ...run, maxRss: MiB(process.resourceUsage().maxRSS * 1024), sampled })}\n`);
