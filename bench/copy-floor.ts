// The floor no importer beats: the same CSV loaded with PostgreSQL's own COPY into a bare table.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { HR_COLUMNS } from '../src/demo/index.ts';

const { values } = parseArgs({ options: { url: { type: 'string' }, file: { type: 'string' } } });
const file = values.file as string;
const table = `CREATE TABLE bench_copy_floor (${HR_COLUMNS.map((c) => `${c} text`).join(', ')})`;
const copy = (source: string) => `COPY bench_copy_floor FROM ${source} WITH (FORMAT csv, HEADER true)`;

async function onPostgres(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('DROP TABLE IF EXISTS bench_copy_floor');
  await client.query(table);
  const started = performance.now();
  await pipeline(createReadStream(file), client.query(copyFrom(copy('STDIN'))));
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM bench_copy_floor');
  await client.query('DROP TABLE bench_copy_floor');
  await client.end();
  return report(seconds, Number(rows[0]?.n));
}

async function onPglite(): Promise<number> {
  const db = new PGlite();
  await db.exec(table);
  const blob = new Blob([await readFile(file)]);
  const started = performance.now();
  await db.query(copy(`'/dev/blob'`), [], { blob });
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_copy_floor');
  await db.close();
  return report(seconds, rows[0]?.n ?? 0);
}

function report(seconds: number, rows: number): number {
  process.stdout.write(`${JSON.stringify({ rows, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
  return rows;
}

await (values.url ? onPostgres(values.url) : onPglite());
