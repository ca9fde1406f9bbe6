import type { OcspAnswers } from './http.ts';
import { LruMap } from '../lru.ts';
import { asBuffer, type OcspAnswer } from './responder.ts';
import type { FromOcspWorker, ToOcspWorker } from './worker-messages.ts';

/** The side of a MessagePort an OCSP worker talks through (parentPort). */
export interface WorkerPort {
  postMessage(message: FromOcspWorker): void;
}

interface Copy {
  readonly answer: OcspAnswer;
  readonly serial: string | undefined;
  /** The responder's change count the answer was read at. */
  readonly epoch: number;
}

/**
 * The answers of an OCSP worker thread: copies of the responder's answers, asked for once per distinct request and
 * kept (at most `limit`, least recently used dropped first) until the responder says their serial changed. A copy
 * read before a change the worker has since been told of is never kept, so a revoked certificate is never answered
 * `good` from a copy once the responder has its `revoked` answer.
 */
export class WorkerAnswers implements OcspAnswers {
  readonly #port: WorkerPort;
  readonly #copies: LruMap<string, Copy>;
  readonly #pending = new Map<number, { key: string; resolve: (answer: OcspAnswer) => void }>();
  /** The change count at which each changed serial last changed; every copy read before it is stale. */
  readonly #changedAt = new Map<string, number>();
  #flushedAt: number;
  #epoch: number;
  #nextId = 0;

  constructor(port: WorkerPort, limit: number, epoch: number) {
    this.#port = port;
    this.#copies = new LruMap(limit);
    this.#epoch = epoch;
    this.#flushedAt = epoch;
  }

  answerNow(request: Uint8Array): OcspAnswer | undefined {
    const copy = this.#copies.get(asBuffer(request).toString('latin1'));
    if (!copy || copy.epoch < this.#flushedAt) return undefined;
    if (copy.serial !== undefined && copy.epoch < (this.#changedAt.get(copy.serial) ?? 0)) return undefined;
    return copy.answer;
  }

  answer(request: Uint8Array): Promise<OcspAnswer> {
    const id = (this.#nextId += 1);
    const key = asBuffer(request).toString('latin1');
    return new Promise((resolve) => {
      this.#pending.set(id, { key, resolve });
      this.#port.postMessage({ type: 'answer', id, request: Uint8Array.from(request) });
    });
  }

  /** Takes the responder thread's `changed` and `answer` messages; false for any other. */
  receive(message: ToOcspWorker): boolean {
    if (message.type === 'changed') {
      this.#epoch = message.epoch;
      if (message.serial === undefined) this.#flushedAt = message.epoch;
      else this.#changedAt.set(message.serial, message.epoch);
      return true;
    }
    if (message.type !== 'answer') return false;
    const pending = this.#pending.get(message.id);
    if (!pending) return true;
    this.#pending.delete(message.id);
    const answer: OcspAnswer = { der: asBuffer(message.der), ...(message.producedAt === undefined ? {} : { producedAt: message.producedAt, nextUpdate: message.nextUpdate }) };
    if (message.copyable && message.epoch === this.#epoch) this.#copies.set(pending.key, { answer, serial: message.serial, epoch: message.epoch });
    pending.resolve(answer);
    return true;
  }
}
