import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { newIdentityId } from '../mur/identity-id.ts';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { secondPersonRefusal } from '../core/operators/separation.ts';
import { MusterError, type ErrorDetail } from '../core/errors.ts';
import type { MusterConfig } from '../config/schema.ts';
import { ChangeSet, IdPool } from '../mur/change-set.ts';
import { refreshStatisticsWhenGrown } from '../store/planner-statistics.ts';
import { serialized } from '../store/serialize.ts';
import type { Store, Tx } from '../store/store.ts';
import { type ApplyContext, type BatchItem, applyIdentityBatch } from './apply-identities.ts';
import { applyFactBatch } from './apply-facts.ts';
import { terminateAbsent } from './absent.ts';
import { sha256File } from './file-hash.ts';
import { refuseIfChangedSinceHold } from './held-changes.ts';
import { loadLinks } from './links.ts';
import { type FileFormat, checkEncoding, formatOf } from './reader.ts';
import { checkedRowStream } from './row-stream.ts';
import type { Source, SourceRegistry } from './registry.ts';
import { HEARTBEAT_MS, type ImportRun, type ImportSummary, beat, finishRun, getRun, insertRun } from './runs.ts';
import { MAX_KEPT_ERRORS, RowChecker, absentLinks, livePopulation } from './scan.ts';

export interface ImportProgress {
  readonly phase: 'validate' | 'apply';
  readonly rows: number;
  readonly total?: number;
}

export interface ImportRequest {
  readonly source: string;
  readonly file: string;
  readonly fileName?: string;
  readonly format?: string;
  readonly skipInvalid?: boolean;
  readonly actor: string;
  readonly correlationId?: string;
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  readonly config: MusterConfig;
  readonly registry: SourceRegistry;
  /** How often a running import touches its row (multi-process stores); HEARTBEAT_MS unless a test says otherwise. */
  readonly heartbeatMs?: number;
  /**
   * Whether new identities are written set-wise (a staging table, then INSERT … SELECT): the default on a PostgreSQL
   * server; embedded PGlite writes them row by row unless told otherwise. The rows written are the same.
   */
  readonly setWiseJoiners?: boolean;
}

interface Execution {
  readonly run: ImportRun;
  readonly source: Source;
  readonly file: string;
  readonly format: FileFormat;
  readonly correlationId: string;
  readonly onProgress?: ((progress: ImportProgress) => void) | undefined;
  /** Set when a person confirmed a held run: the number of terminations they saw. */
  readonly confirmedTerminations?: number;
  /** Set when a person confirmed a held run: when it was held. */
  readonly heldAt?: Date;
}

/** How a run ends without applying: thrown inside the transaction so that it rolls back. */
class Outcome extends Error {
  readonly status: 'held' | 'refused';
  readonly errors: readonly ErrorDetail[];

  constructor(status: 'held' | 'refused', errors: readonly ErrorDetail[]) {
    super(status);
    this.status = status;
    this.errors = errors;
  }
}

/**
 * Imports authoritative-source snapshots into the MUR: reads and checks the whole file first,
 * holds mass terminations for confirmation, then applies every change in one transaction, so a
 * crash leaves nothing half-applied and a second run of the same file changes nothing.
 */
export class ImportService {
  readonly #deps: ImportDeps;

  constructor(deps: ImportDeps) {
    this.#deps = deps;
  }

  async run(request: ImportRequest): Promise<ImportRun> {
    const source = this.#deps.registry.get(request.source);
    const format = formatOf(request.file, request.format);
    const name = request.fileName ?? basename(request.file);
    await this.#checkFile(request.file, name);
    const run: ImportRun = {
      id: randomUUID(),
      source: source.name,
      format,
      fileName: name,
      filePath: request.file,
      fileSha256: await sha256File(request.file),
      status: 'running',
      options: { skipInvalid: request.skipInvalid ?? false },
      summary: {} as ImportSummary,
      errors: [],
      actor: request.actor,
      createdAt: this.#deps.clock.now(),
      finishedAt: null,
    };
    await insertRun(this.#deps.store, run);
    return this.#execute({ run, source, file: request.file, format, correlationId: request.correlationId ?? `import-${run.id}`, onProgress: request.onProgress });
  }

  /** Applies a run the mass-change guard held — confirmed by another than its uploader (two-person rule) — if its file and the MUR are as they were when it was held (else refused, naming what changed). */
  async confirm(runId: string, actor: string, correlationId?: string): Promise<ImportRun> {
    const run = await getRun(this.#deps.store, runId);
    if (run.status !== 'held' || !run.filePath || !run.summary.held) {
      throw new MusterError('MUSTER_ERR_IMPORT_STATE', `import run ${runId} is ${run.status}; only a held run can be confirmed`, [{ field: 'status', value: run.status, message: 'not held' }]);
    }
    const second = secondPersonRefusal(run.actor, actor, `held import run ${runId}`);
    if (second) {
      const reason = `${second.message}: the uploader of a held run cannot confirm it`;
      await this.#audit({ actor, action: 'import.confirm_refused', target: run.id, reason, data: { rule: second.rule, uploaded_by: run.actor } }, correlationId ?? `import-${run.id}`);
      throw new MusterError('MUSTER_ERR_SEPARATION_OF_DUTIES', reason, [{ field: second.rule, value: actor, message: 'the uploader' }]);
    }
    const sha = await sha256File(run.filePath).catch(() => '');
    if (sha !== run.fileSha256) throw new MusterError('MUSTER_ERR_IMPORT_STATE', `the file of import run ${runId} changed or is gone since it was held; import it again`);
    const source = this.#deps.registry.get(run.source);
    await this.#audit(
      { actor, action: 'import.confirmed', target: run.id, reason: `confirmed ${run.summary.held.terminations} terminations`, data: { held: run.summary.held } },
      correlationId ?? `import-${run.id}`,
    );
    const done = await this.#execute({
      run: { ...run, actor },
      source,
      file: run.filePath,
      format: run.format as FileFormat,
      correlationId: correlationId ?? `import-${run.id}`,
      confirmedTerminations: run.summary.held.terminations,
      heldAt: run.finishedAt ?? run.createdAt,
    });
    await this.#dropKeptFile(run.filePath);
    return done;
  }

  /** A held run's copy of its file (in `<dataDir>/imports`) is removed once the run is applied or refused. */
  async #dropKeptFile(file: string): Promise<void> {
    if (this.#deps.config.dataDir === ':memory:' || dirname(file) !== join(this.#deps.config.dataDir, 'imports')) return;
    await rm(file, { force: true });
  }

  async #checkFile(file: string, name: string): Promise<void> {
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw new MusterError('MUSTER_ERR_IMPORT_FILE', `${name} is not a readable file`, [{ file: name, message: 'not found or not a file' }]);
    if (info.size > this.#deps.config.import.maxFileBytes)
      throw new MusterError('MUSTER_ERR_IMPORT_FILE', `${name} is ${info.size} bytes; the limit is ${this.#deps.config.import.maxFileBytes}`, [{ file: name, message: 'too large' }]);
    await checkEncoding(file, name);
  }

  async #execute(x: Execution): Promise<ImportRun> {
    const checker = new RowChecker(x.run.fileName);
    const stopBeating = this.#beat(x.run.id);
    try {
      const run = await this.#apply(x, checker);
      if (run.status === 'applied') await this.#refreshStatistics(run.summary);
      return run;
    } catch (error) {
      if (error instanceof Outcome) return error.status === 'held' ? this.#hold(x, checker.summary, checker.errors) : this.#finish(x, 'refused', checker.summary, error.errors, 'import.refused');
      const details = error instanceof MusterError ? [...error.details] : [];
      const status = error instanceof MusterError && error.status < 500 ? 'refused' : 'failed';
      await this.#finish(x, status, checker.summary, [{ message: (error as Error).message }, ...details], `import.${status}`).catch(() => {});
      throw error;
    } finally {
      stopBeating();
    }
  }

  /**
   * After a run that grew the MUR by a large share, the planner's statistics of the tables the next run looks joiners
   * up in are refreshed (without them a re-import of 1,000,000 took three times as long). The run has committed:
   * statistics left stale are refreshed by autovacuum or the next large run, so a failure here does not fail the run.
   */
  async #refreshStatistics(summary: ImportSummary): Promise<void> {
    await refreshStatisticsWhenGrown(this.#deps.store, ['identities', 'source_links'], summary.joiners + summary.historical).catch(() => false);
  }

  /**
   * While a run is applied, its row is touched every HEARTBEAT_MS on another connection, so that a
   * process starting elsewhere can tell a live run from one whose process died. A store only one
   * process opens needs none. The beat lives and dies with the run, in real time: it is not periodic
   * work of the process (a test's stopped clock must not silence it), so it is no scheduler task.
   */
  #beat(runId: string): () => void {
    const { store, clock } = this.#deps;
    if (!store.capabilities.multipleConnections) return () => {};
    const stop = new AbortController();
    void (async () => {
      const { signal } = stop;
      while (!signal.aborted) {
        await delay(this.#deps.heartbeatMs ?? HEARTBEAT_MS, undefined, { signal, ref: false }).catch(() => {});
        if (!signal.aborted) await beat(store, runId, clock.now()).catch(() => {});
      }
    })();
    return () => stop.abort();
  }

  /**
   * One pass inside one transaction: every row is checked and, when it changed, applied. Bad rows,
   * or more terminations than the mass-change guard allows, roll the whole transaction back.
   */
  async #apply(x: Execution, checker: RowChecker): Promise<ImportRun> {
    return this.#deps.store.transaction(async (connection) => {
      const tx = serialized(connection);
      // one import of a source at a time, across processes; what it compares against is read under the lock
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`muster-import:${x.source.name}`]);
      if (x.heldAt) await refuseIfChangedSinceHold(tx, x.source.name, x.run.id, x.heldAt);
      const links = await loadLinks(tx, x.source.name);
      checker.useLinks(links);
      const empty = (await tx.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM identities) AS any'))[0]?.any !== true;
      const ctx = this.#context(tx, x, checker.summary, !empty);
      await this.#applyRows(tx, x, ctx, checker);
      if (checker.summary.invalid > 0 && !x.run.options.skipInvalid) throw new Outcome('refused', checker.errors);
      const absent = x.source.createsIdentities ? absentLinks(links) : [];
      checker.summary.absent = absent.length;
      this.#guard(x, checker.summary, checker.summary.leavers + absent.length, livePopulation(links));
      if (absent.length > 0) await terminateAbsent(ctx, absent, this.#deps.config.import.batchSize, (changes) => this.#commit(tx, changes, x));
      checker.addProblems(ctx.problems);
      if (ctx.problems.length > 0 && !x.run.options.skipInvalid) throw new Outcome('refused', checker.errors);
      const errors = [...checker.errors, ...ctx.warnings].slice(0, MAX_KEPT_ERRORS);
      return this.#finish(x, 'applied', checker.summary, errors, 'import.applied', undefined, tx);
    });
  }

  /** Throws Outcome('held') when the run would terminate too many; a confirmed run must match what was confirmed. */
  #guard(x: Execution, summary: ImportSummary, terminations: number, population: number): void {
    const { massChangeShare, massChangeCount } = this.#deps.config.import;
    const share = population === 0 ? 0 : terminations / population;
    if (x.confirmedTerminations !== undefined) {
      if (x.confirmedTerminations === terminations) return;
      throw new MusterError(
        'MUSTER_ERR_IMPORT_STATE',
        `the run now terminates ${terminations} identities, not the ${x.confirmedTerminations} that were confirmed; the MUR changed since — import the file again`,
      );
    }
    const over = share > massChangeShare || (massChangeCount !== undefined && terminations > massChangeCount);
    if (!over || terminations === 0) return;
    summary.held = { terminations, population, share, limitShare: massChangeShare, limitCount: massChangeCount ?? null };
    throw new Outcome('held', []);
  }

  async #hold(x: Execution, summary: ImportSummary, errors: readonly ErrorDetail[]): Promise<ImportRun> {
    const kept = await this.#keepFile(x);
    const held = summary.held;
    const reason = `${held?.terminations} of ${held?.population} identities would be terminated (${((held?.share ?? 0) * 100).toFixed(1)}%); confirm to apply`;
    return this.#finish({ ...x, run: { ...x.run, filePath: kept } }, 'held', summary, errors, 'import.held', reason);
  }

  async #keepFile(x: Execution): Promise<string> {
    if (this.#deps.config.dataDir === ':memory:' || x.confirmedTerminations !== undefined) return x.file;
    const dir = join(this.#deps.config.dataDir, 'imports');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const target = join(dir, `${x.run.id}.${x.format}`);
    await copyFile(x.file, target);
    return target;
  }

  #context(tx: Tx, x: Execution, summary: ImportSummary, correlateExisting: boolean): ApplyContext {
    const { correlation } = this.#deps.config;
    return {
      db: tx,
      source: x.source,
      runId: x.run.id,
      actor: x.run.actor,
      now: this.#deps.clock.now(),
      fileName: x.run.fileName,
      newId: newIdentityId,
      rules: correlation.rules,
      threshold: correlation.autoLinkConfidence,
      correlateExisting,
      summary,
      problems: [],
      warnings: [],
    };
  }

  /** Streams the file: checks each row (on a worker thread for large files), gathers changed ones in batches, and plans a batch while the previous one is written. */
  async #applyRows(tx: Tx, x: Execution, ctx: ApplyContext, checker: RowChecker): Promise<void> {
    const apply = x.source.createsIdentities ? applyIdentityBatch : applyFactBatch;
    const size = this.#deps.config.import.batchSize;
    let batch: BatchItem[] = [];
    let inFlight: Promise<void> = Promise.resolve();
    const eventIds = new IdPool('events_id_seq', 4 * size);
    // A batch is planned while the batch before it is still being written.
    const flush = async () => {
      const items = batch;
      batch = [];
      const changes = new ChangeSet();
      await apply(ctx, items, changes);
      // made ready while the batch before is written; if that write failed, its error is the one to report
      await changes.prepare(tx, { eventIds, setWise: this.#setWise() }).catch(async (error: unknown) => {
        await inFlight;
        throw error;
      });
      await inFlight;
      inFlight = this.#commit(tx, changes, x, eventIds);
      inFlight.catch(() => {}); // awaited at the next flush or below; this only keeps an early failure from being unhandled
    };
    for await (const row of checkedRowStream({ file: x.file, name: x.run.fileName, format: x.format, kind: x.source.kind })) {
      if (checker.summary.rows % 10_000 === 0) x.onProgress?.({ phase: 'apply', rows: checker.summary.rows });
      const checked = checker.check(row);
      if (!checked) continue;
      batch.push(checked);
      if (batch.length >= size) await flush();
    }
    if (batch.length > 0) await flush();
    await inFlight;
    x.onProgress?.({ phase: 'apply', rows: checker.summary.rows, total: checker.summary.rows });
  }

  #setWise(): boolean {
    return this.#deps.setWiseJoiners ?? this.#deps.store.capabilities.multipleConnections;
  }

  async #commit(tx: Tx, changes: ChangeSet, x: Execution, eventIds?: IdPool): Promise<void> {
    await changes.commit(tx, { now: this.#deps.clock.now(), correlationId: x.correlationId, audit: this.#deps.audit, eventIds, setWise: this.#setWise() });
  }

  async #finish(x: Execution, status: ImportRun['status'], summary: ImportSummary, errors: readonly ErrorDetail[], action: string, reason?: string, tx?: Tx): Promise<ImportRun> {
    const now = this.#deps.clock.now();
    const write = async (db: Tx) => {
      await finishRun(db, x.run.id, { status, summary, errors, filePath: x.run.filePath }, now);
      await this.#deps.audit.append(
        db,
        [
          {
            actor: x.run.actor,
            action,
            target: x.run.id,
            reason: reason ?? `${x.source.name} import of ${x.run.fileName}: ${status}`,
            data: { source: x.source.name, file: x.run.fileName, sha256: x.run.fileSha256, summary },
          },
        ],
        x.correlationId,
      );
      await this.#deps.audit.seal(db);
    };
    if (tx) await write(tx);
    else await this.#deps.store.transaction(write);
    return { ...x.run, status, summary, errors: [...errors], finishedAt: now };
  }

  async #audit(draft: Parameters<AuditWriter['append']>[1][number], correlationId: string): Promise<void> {
    await this.#deps.store.transaction((tx) => this.#deps.audit.append(tx, [draft], correlationId));
  }
}
