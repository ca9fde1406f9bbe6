import { MusterError } from '../core/errors.ts';
import { attributeDescriptor } from '../core/identity/attributes.ts';
import type { Authority } from '../core/identity/record.ts';
import type { MusterConfig } from '../config/schema.ts';
import { SOURCE_FORMATS, type SourceFormat, type SourceKind } from './fields.ts';

/** A configured authoritative source: its feed format and what it may change. */
export interface Source {
  readonly name: string;
  readonly kind: SourceKind;
  readonly format: SourceFormat;
  readonly authoritative: readonly string[];
  readonly mayCreate: boolean;
  /** Attribute-level authority: attribute names, plus `status`, `sponsor` and `expires`. */
  readonly authority: Authority;
  /** Whether records of this source are identities (HR, NPE registry) rather than facts about them. */
  readonly createsIdentities: boolean;
}

const PSEUDO_OBJECTS: Readonly<Record<string, string>> = { status: 'STATUS', sponsor: 'ROLE', expires: 'ROLE' };

export class SourceRegistry {
  readonly #sources: ReadonlyMap<string, Source>;

  constructor(config: MusterConfig) {
    this.#sources = new Map(Object.entries(config.sources).map(([name, c]) => [name, buildSource(name, c.kind, c.authoritative, c.mayCreate)]));
  }

  get(name: string): Source {
    const source = this.#sources.get(name);
    if (!source)
      throw new MusterError('MUSTER_ERR_SOURCE_UNKNOWN', `no source named '${name}'; configured: ${[...this.#sources.keys()].join(', ')}`, [
        { field: 'source', value: name, message: 'unknown source' },
      ]);
    return source;
  }

  list(): Source[] {
    return [...this.#sources.values()];
  }
}

function buildSource(name: string, kind: SourceKind, authoritative: readonly string[], mayCreate: boolean): Source {
  const grants = new Set(authoritative);
  const keys = new Set([...SOURCE_FORMATS[kind].keyFields, kind === 'npe' ? 'npe_id' : 'employee_id']);
  const authority: Authority = (attribute) => {
    if (grants.has(attribute) || keys.has(attribute)) return true;
    const object = PSEUDO_OBJECTS[attribute] ?? attributeDescriptor(attribute)?.object;
    return object !== undefined && grants.has(object);
  };
  return Object.freeze({ name, kind, format: SOURCE_FORMATS[kind], authoritative, mayCreate, authority, createsIdentities: kind === 'hr' || kind === 'npe' });
}
