import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { MusterError, type MusterErrorCode } from '../core/errors.ts';
import { type ReadRequest, type ValidatedRow, validatedRows } from './checked-rows.ts';

/** Files smaller than this are read on the calling thread: a worker costs more than it saves. */
export const WORKER_THRESHOLD_BYTES = 256 * 1024;

/** The checked rows of a snapshot, read on a worker thread when the file is large enough to gain from it. */
export async function* checkedRowStream(request: ReadRequest): AsyncGenerator<ValidatedRow> {
  const size = (await stat(request.file)).size;
  if (size < WORKER_THRESHOLD_BYTES) {
    yield* validatedRows(request);
    return;
  }
  yield* fromWorker(request);
}

type Message = { rows: ValidatedRow[] } | { done: true } | { error: { code?: MusterErrorCode; message: string; details?: [] } };

async function* fromWorker(request: ReadRequest): AsyncGenerator<ValidatedRow> {
  const worker = new Worker(new URL('./read-worker.ts', import.meta.url), { workerData: request });
  const queue: Message[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  worker.on('message', (m: Message) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (error) => {
    failure = error;
    wake?.();
  });
  try {
    for (;;) {
      while (queue.length === 0 && !failure) await new Promise<void>((resolve) => (wake = resolve));
      if (failure) throw failure;
      const message = queue.shift() as Message;
      if ('done' in message) return;
      if ('error' in message) throw new MusterError(message.error.code ?? 'MUSTER_ERR_INTERNAL', message.error.message, message.error.details ?? []);
      worker.postMessage('more');
      yield* message.rows;
    }
  } finally {
    await worker.terminate();
  }
}
