import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MusterError } from '../core/errors.ts';
import { COLUMNS, type FileKind } from './columns.ts';
import { makeContext, type Context } from './context.ts';
import { formatDay } from './dates.ts';
import { headerLine, lineEncoder, type DemoFormat, type LineEncoder } from './encode.ts';
import type { ChangeKind } from './lifecycle.ts';
import { npeCount, npeFields } from './npe-rows.ts';
import type { DemoOptions, ResolvedOptions } from './options.ts';
import { hrFields } from './person-rows.ts';
import { openSink, type LineSink } from './sink.ts';
import { trainingRows, vettingFields } from './trust-rows.ts';
import { peopleInExtract } from './walk.ts';

export interface DemoFiles {
  hr: string;
  npe: string;
  vetting: string;
  training: string;
}

/** Employee ids that changed between day - 1 and day, in index order (all empty on day 0). */
export interface ExpectedChanges {
  joiners: string[];
  movers: string[];
  leavers: string[];
  leave: string[];
  returns: string[];
  rehires: string[];
}

export interface DemoManifest {
  options: ResolvedOptions;
  /** YYYY-MM-DD of the snapshot day. */
  date: string;
  counts: { hr: number; npe: number; vetting: number; training: number };
  expected: ExpectedChanges;
}

const KINDS: readonly FileKind[] = ['hr', 'npe', 'vetting', 'training'];
const LIST_OF: Readonly<Record<ChangeKind, keyof ExpectedChanges>> = {
  joiner: 'joiners',
  mover: 'movers',
  leaver: 'leavers',
  leave: 'leave',
  return: 'returns',
  rehire: 'rehires',
};
const PERSONS_PER_FLUSH = 256;

interface Out {
  readonly sink: LineSink;
  readonly encode: LineEncoder;
}
type Outs = Readonly<Record<FileKind, Out>>;

function openOuts(files: DemoFiles, format: DemoFormat): Outs {
  const out = (kind: FileKind): Out => ({
    sink: openSink(files[kind], headerLine(format, COLUMNS[kind])),
    encode: lineEncoder(format, COLUMNS[kind]),
  });
  return { hr: out('hr'), npe: out('npe'), vetting: out('vetting'), training: out('training') };
}

async function flushAll(outs: Outs): Promise<void> {
  for (const kind of KINDS) await outs[kind].sink.flush();
}

async function writePeople(context: Context, outs: Outs): Promise<ExpectedChanges> {
  const expected: ExpectedChanges = { joiners: [], movers: [], leavers: [], leave: [], returns: [], rehires: [] };
  const { day } = context.options;
  let sinceFlush = 0;
  for (const { index, state, change } of peopleInExtract(context)) {
    const fields = hrFields(context, index, state);
    const id = fields[0] as string;
    outs.hr.sink.push(outs.hr.encode(fields));
    if (state.status !== 'terminated') {
      outs.vetting.sink.push(outs.vetting.encode(vettingFields(context, id, index, state, day)));
      for (const row of trainingRows(context, id, index, state, day)) outs.training.sink.push(outs.training.encode(row));
    }
    if (change) expected[LIST_OF[change]].push(id);
    if (++sinceFlush === PERSONS_PER_FLUSH) {
      sinceFlush = 0;
      await flushAll(outs);
    }
  }
  return expected;
}

async function writeNpes(context: Context, out: Out): Promise<void> {
  const count = npeCount(context.options.people);
  for (let npe = 0; npe < count; npe++) {
    out.sink.push(out.encode(npeFields(context, npe, context.options.day)));
    if (npe % PERSONS_PER_FLUSH === 0) await out.sink.flush();
  }
}

async function closeAll(outs: Outs, failed: boolean): Promise<void> {
  const results = await Promise.allSettled(KINDS.map((kind) => outs[kind].sink.close()));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected && !failed) throw rejected.reason;
}

/** Writes one day of the demo agency (HR, NPE, vetting, training) and manifest.json into outDir. */
export async function writeDemoAgency(outDir: string, options: DemoOptions, format: DemoFormat): Promise<{ files: DemoFiles; manifest: DemoManifest }> {
  if (format !== 'csv' && format !== 'jsonl') {
    throw new MusterError('MUSTER_ERR_VALIDATION', 'demo format must be csv or jsonl', [{ message: 'unknown format', field: 'format', value: String(format) }]);
  }
  const context = makeContext(options);
  await mkdir(outDir, { recursive: true });
  const files: DemoFiles = {
    hr: join(outDir, `hr.${format}`),
    npe: join(outDir, `npe.${format}`),
    vetting: join(outDir, `vetting.${format}`),
    training: join(outDir, `training.${format}`),
  };
  const outs = openOuts(files, format);
  let expected: ExpectedChanges;
  try {
    expected = await writePeople(context, outs);
    await writeNpes(context, outs.npe);
  } catch (error) {
    await closeAll(outs, true);
    throw error;
  }
  await closeAll(outs, false);
  const counts = { hr: outs.hr.sink.lines, npe: outs.npe.sink.lines, vetting: outs.vetting.sink.lines, training: outs.training.sink.lines };
  const manifest: DemoManifest = { options: context.options, date: formatDay(context.startDay + context.options.day), counts, expected };
  await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { files, manifest };
}
