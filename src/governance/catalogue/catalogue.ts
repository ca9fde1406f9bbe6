import type { AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import { MusterError } from '../../core/errors.ts';
import type { Queryable, Store } from '../../store/store.ts';
import { type CatalogueRow, existingIdentities, insertVersion, itemVersions, newestItems, nextVersion } from './catalogue-repository.ts';
import { type ItemDocument, checkItem } from './item.ts';

/** One version of a catalogue item. */
export interface CatalogueItem {
  readonly name: string;
  readonly version: number;
  readonly kind: ItemDocument['kind'];
  readonly document: ItemDocument;
  readonly enabled: boolean;
  readonly author: string;
  readonly reason: string;
  readonly createdAt: string;
}

export interface CatalogueDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
  /** Names of the configured targets, which a group item must name. */
  readonly targets: readonly string[];
}

function itemOf(row: CatalogueRow): CatalogueItem {
  const document = row.document as ItemDocument;
  return {
    name: row.name,
    version: Number(row.version),
    kind: document.kind,
    document,
    enabled: row.enabled,
    author: row.author,
    reason: row.reason,
    createdAt: row.created_at.toISOString(),
  };
}

/** The newest version of every item, enabled or not. */
export async function listCatalogue(db: Queryable): Promise<CatalogueItem[]> {
  return (await newestItems(db)).map(itemOf);
}

/** Every version of one item, newest first; refused when there is none. */
export async function catalogueHistory(db: Queryable, name: string): Promise<CatalogueItem[]> {
  const rows = await itemVersions(db, name);
  if (rows.length === 0) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no catalogue item '${name}'`, [{ field: 'item', value: name, message: 'no such item' }]);
  return rows.map(itemOf);
}

/** The item as offered now: its newest version, refused when there is none or it is disabled. */
export async function offeredItem(db: Queryable, name: string): Promise<CatalogueItem> {
  const [newest] = await catalogueHistory(db, name);
  if (!newest?.enabled) throw new MusterError('MUSTER_ERR_CONFLICT', `catalogue item '${name}' is disabled`, [{ field: 'item', value: name, message: 'disabled' }]);
  return newest;
}

/** The catalogue of requestable access: every save adds a version, audited; disabling adds a disabled one. */
export class CatalogueService {
  readonly #d: CatalogueDeps;

  constructor(deps: CatalogueDeps) {
    this.#d = deps;
  }

  list(): Promise<CatalogueItem[]> {
    return listCatalogue(this.#d.store);
  }

  history(name: string): Promise<CatalogueItem[]> {
    return catalogueHistory(this.#d.store, name);
  }

  /** Checks the document and that its owners are identities of the MUR, then stores it as the next version. */
  async save(name: string, input: unknown, actor: string, reason: string): Promise<CatalogueItem> {
    const document = checkItem(name, input, this.#d.targets);
    requireReason(reason);
    const known = await existingIdentities(this.#d.store, document.owners);
    const unknown = document.owners.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new MusterError(
        'MUSTER_ERR_CATALOGUE',
        `catalogue item '${name}': owner(s) ${unknown.join(', ')} are not identities of the MUR`,
        unknown.map((id) => ({ field: 'owners', value: id, message: 'no such identity' })),
      );
    }
    return this.#write(name, document, true, actor, reason, 'catalogue.item-saved');
  }

  /** Adds a disabled version: the item is no longer offered; grants already made run to their end dates. */
  async disable(name: string, actor: string, reason: string): Promise<CatalogueItem> {
    requireReason(reason);
    const [current] = await this.history(name);
    if (!current?.enabled) throw new MusterError('MUSTER_ERR_CONFLICT', `catalogue item '${name}' is already disabled`, [{ field: 'item', value: name, message: 'disabled' }]);
    return this.#write(name, current.document, false, actor, reason, 'catalogue.item-disabled');
  }

  async #write(name: string, document: ItemDocument, enabled: boolean, actor: string, reason: string, action: string): Promise<CatalogueItem> {
    const { store, audit, clock } = this.#d;
    const now = clock.now();
    return store.transaction(async (tx) => {
      const version = await nextVersion(tx, name);
      const row: CatalogueRow = { name, version, kind: document.kind, document, enabled, author: actor, reason, created_at: now };
      await insertVersion(tx, row);
      await audit.append(tx, [{ actor, action, target: `catalogue:${name}`, reason, data: { name, version, enabled, document } }], `catalogue-${name}-${version}`);
      return itemOf(row);
    });
  }
}

function requireReason(reason: string): void {
  if (!reason.trim()) throw new MusterError('MUSTER_ERR_VALIDATION', 'a catalogue change needs a reason', [{ field: 'reason', message: 'required' }]);
}
