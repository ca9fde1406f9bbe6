import { Worker } from 'node:worker_threads';
import type { ListenerLimits } from '../config/limits-schema.ts';
import { MusterError } from '../core/errors.ts';
import type { ConnectionRefused } from '../protocols/listener-limits.ts';
import type { OcspAnswer, OcspResponder } from '../protocols/ocsp/index.ts';
import { ocspErrorResponse } from '../pki/ocsp-signing.ts';
import type { FromOcspWorker, OcspWorkerData, ToOcspWorker } from '../protocols/ocsp/worker-messages.ts';
import type { Scheduler } from '../queue/scheduler.ts';

const WORKER_SCRIPT = new URL('../protocols/ocsp/worker-thread.ts', import.meta.url);
/** How often the responder in use is compared with the one watched (it changes when its certificate is renewed). */
const RESPONDER_CHECK_MS = 1_000;
/** The scheduler task that hands the workers a renewed responder. */
export const RESPONDER_CHECK_TASK = 'pki.ocsp-workers.responder-check';
const INTERNAL_ERROR: OcspAnswer = { der: ocspErrorResponse('internalError') };
/** How long a worker's open connections may finish their requests at shutdown. */
const CLOSE_GRACE_MS = 2_000;

export interface OcspWorkersOptions {
  readonly count: number;
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly limits: ListenerLimits;
  readonly cacheEntries: number;
  /** The responder answering now (the publisher's: it is replaced on renewal). */
  readonly responder: () => OcspResponder;
  /** Answers every request that is not OCSP (the PKI app: CRLs, CA certificates, /health). */
  readonly fetch: (request: Request) => Response | Promise<Response>;
  readonly onRefused?: ConnectionRefused;
  readonly onError?: (error: unknown) => void;
  /** Runs the check for a renewed responder (every second), as all periodic work runs. */
  readonly scheduler: Pick<Scheduler, 'add' | 'remove'>;
}

export interface RunningOcspWorkers {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The PKI listener served by `count` worker threads, each with its own socket on one port (SO_REUSEPORT): they parse
 * HTTP and answer OCSP from copies of the responder's answers, asking this thread once per distinct request and
 * dropping copies as the responder changes; every other request is answered here by `fetch`.
 */
export async function startOcspWorkers(options: OcspWorkersOptions): Promise<RunningOcspWorkers> {
  const hub = new ResponderHub(options);
  const workers: Worker[] = [];
  try {
    let port = options.port;
    for (let i = 0; i < options.count; i++) {
      const worker = new Worker(WORKER_SCRIPT, { workerData: hub.workerData(port) satisfies OcspWorkerData });
      workers.push(worker);
      port = await hub.attach(worker);
    }
    return { host: options.host, port, close: () => hub.close(workers) };
  } catch (error) {
    await hub.close(workers);
    throw error;
  }
}

/** This thread's side: answers the workers' questions and tells them of every change of the responder. */
class ResponderHub {
  readonly #o: OcspWorkersOptions;
  readonly #workers = new Set<Worker>();
  #epoch = 0;
  #watched: OcspResponder;
  #unwatch: () => void;

  constructor(options: OcspWorkersOptions) {
    this.#o = options;
    this.#watched = options.responder();
    this.#unwatch = this.#watched.watch((serial) => this.#changed(serial));
    options.scheduler.add({ name: RESPONDER_CHECK_TASK, everyMs: RESPONDER_CHECK_MS, run: async () => this.#checkResponder() });
  }

  workerData(port: number): OcspWorkerData {
    const { host, path, limits, cacheEntries } = this.#o;
    return { host, port, path, limits, cacheEntries, name: 'pki', epoch: this.#epoch };
  }

  /** Resolves with the port once the worker listens; rejects with MUSTER_ERR_LISTEN when it cannot. */
  attach(worker: Worker): Promise<number> {
    this.#workers.add(worker);
    return new Promise((resolve, reject) => {
      worker.on('message', (message: FromOcspWorker) => {
        if (message.type === 'listening') resolve(message.port);
        else if (message.type === 'failed') reject(this.#listenError(message.code, message.message));
        else this.#receive(worker, message);
      });
      worker.once('error', (error) => {
        this.#o.onError?.(error);
        reject(error);
      });
      worker.once('exit', () => this.#workers.delete(worker));
    });
  }

  #receive(worker: Worker, message: FromOcspWorker): void {
    if (message.type === 'answer') void this.#answer(worker, message.id, message.request);
    else if (message.type === 'http') void this.#http(worker, message);
    else if (message.type === 'refused') this.#o.onRefused?.(message.listener, message.reason);
  }

  async #answer(worker: Worker, id: number, request: Uint8Array): Promise<void> {
    const epoch = this.#epoch;
    const responder = this.#o.responder();
    const copy = responder.answerToCopy(request);
    const answer = copy.answer ?? (await responder.answer(request).catch((error: unknown) => this.#failed(error)));
    const reply: ToOcspWorker = {
      type: 'answer',
      id,
      epoch: responder === this.#watched ? epoch : -1,
      der: Uint8Array.from(answer.der),
      ...(answer.producedAt === undefined ? {} : { producedAt: answer.producedAt, nextUpdate: answer.nextUpdate as number }),
      ...(copy.serial === undefined ? {} : { serial: copy.serial }),
      copyable: copy.answer !== undefined && copy.copyable,
    };
    worker.postMessage(reply);
  }

  /** A signing failure: reported, and answered with the OCSP internalError. */
  #failed(error: unknown): OcspAnswer {
    this.#o.onError?.(error);
    return INTERNAL_ERROR;
  }

  async #http(worker: Worker, message: Extract<FromOcspWorker, { type: 'http' }>): Promise<void> {
    const url = new URL(message.url, `http://${this.#o.host.includes(':') ? `[${this.#o.host}]` : this.#o.host}`);
    let reply: ToOcspWorker;
    try {
      const response = await this.#o.fetch(new Request(url, { method: message.method, headers: message.headers as [string, string][], body: message.body }));
      reply = { type: 'http', id: message.id, status: response.status, headers: [...response.headers], body: new Uint8Array(await response.arrayBuffer()) };
    } catch (error) {
      this.#o.onError?.(error);
      reply = { type: 'http', id: message.id, status: 500, headers: [['content-type', 'text/plain']], body: new TextEncoder().encode('internal error') };
    }
    worker.postMessage(reply);
  }

  #changed(serial: string | undefined): void {
    this.#epoch += 1;
    const message: ToOcspWorker = serial === undefined ? { type: 'changed', epoch: this.#epoch } : { type: 'changed', epoch: this.#epoch, serial };
    for (const worker of this.#workers) worker.postMessage(message);
  }

  /** A renewed responder certificate: copies of the old responder's answers are dropped. */
  #checkResponder(): void {
    const current = this.#o.responder();
    if (current === this.#watched) return;
    this.#unwatch();
    this.#watched = current;
    this.#unwatch = current.watch((serial) => this.#changed(serial));
    this.#changed(undefined);
  }

  #listenError(code: string, message: string): MusterError {
    return new MusterError('MUSTER_ERR_LISTEN', `cannot listen on ${this.#o.host}:${this.#o.port}: ${code}`, [{ key: 'pki.listen.port', value: String(this.#o.port), message }]);
  }

  async close(workers: readonly Worker[]): Promise<void> {
    await this.#o.scheduler.remove(RESPONDER_CHECK_TASK);
    this.#unwatch();
    await Promise.all(workers.map((worker) => closeWorker(worker)));
  }
}

function closeWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    if (worker.threadId === -1) return resolve();
    worker.once('exit', () => resolve());
    // connections kept alive past the listener's close are cut after a moment
    setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS).unref();
    worker.on('message', (message: FromOcspWorker) => {
      if (message.type === 'closed') void worker.terminate();
    });
    worker.postMessage({ type: 'close' } satisfies ToOcspWorker);
  });
}
