import type { Queryable } from '../../store/store.ts';
import { CDM_COLUMNS, type CdmExportObject, cdmRecords } from './cdm-export.ts';
import { csvField } from './csv.ts';
import { type ReportFormat, csvLine, jsonLine } from './render.ts';

/** The CDM export as lines of one format: for CSV the header first, then one line per record, a page of identities at a time. */
export async function* cdmLines(db: Queryable, objects: ReadonlySet<CdmExportObject>, format: ReportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield `${CDM_COLUMNS.map(csvField).join(',')}\r\n`;
  for await (const record of cdmRecords(db, objects)) yield format === 'csv' ? csvLine(CDM_COLUMNS, record) : jsonLine(record);
}
