import type { ErrorDetail } from '../core/errors.ts';
import { recordDigest } from './digest.ts';
import { SOURCE_FORMATS, type SourceKind } from './fields.ts';
import { type FileFormat, readRows } from './reader.ts';
import { type SourceRecord, validateRow } from './validate.ts';

/** A row read and checked on its own: its record and digest, or why it is bad. */
export type ValidatedRow = { readonly line: number; readonly record: SourceRecord; readonly digest: string } | { readonly line: number; readonly errors: readonly ErrorDetail[] };

export interface ReadRequest {
  readonly file: string;
  readonly name: string;
  readonly format: FileFormat;
  readonly kind: SourceKind;
}

/** Reads a snapshot and checks each row against its format: the part of an import that needs nothing of the MUR. */
export async function* validatedRows(request: ReadRequest): AsyncGenerator<ValidatedRow> {
  const format = SOURCE_FORMATS[request.kind];
  for await (const row of readRows(request.file, request.name, request.format, format)) {
    if ('error' in row) {
      yield { line: row.line, errors: [row.error] };
      continue;
    }
    const { record, errors } = validateRow(format, row.raw, { file: request.name, line: row.line });
    yield record ? { line: row.line, record, digest: recordDigest(record) } : { line: row.line, errors };
  }
}
