// A worker thread that reads and checks a snapshot while the main thread applies it: parsing,
// validation and digests run on the other core. Rows go back in batches; the main thread asks for
// more as it consumes them, so at most a few batches wait in memory.
import { parentPort, workerData } from 'node:worker_threads';
import { MusterError } from '../core/errors.ts';
import { type ReadRequest, type ValidatedRow, validatedRows } from './checked-rows.ts';

const BATCH = 2000;
const AHEAD = 4;

const port = parentPort;
if (!port) throw new Error('read-worker runs only as a worker thread');

let credits = AHEAD;
let wake: (() => void) | undefined;
port.on('message', () => {
  credits++;
  wake?.();
});

async function send(rows: ValidatedRow[]): Promise<void> {
  while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
  credits--;
  port?.postMessage({ rows });
}

try {
  let batch: ValidatedRow[] = [];
  for await (const row of validatedRows(workerData as ReadRequest)) {
    batch.push(row);
    if (batch.length >= BATCH) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await send(batch);
  port.postMessage({ done: true });
} catch (error) {
  const e = error instanceof MusterError ? { code: error.code, message: error.message, details: error.details } : { message: (error as Error).message };
  port.postMessage({ error: e });
}
