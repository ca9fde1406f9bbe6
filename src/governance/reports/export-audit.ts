import type { AuditWriter } from '../../audit/writer.ts';
import type { Store } from '../../store/store.ts';
import type { CdmExportObject } from './cdm-export.ts';

/**
 * The CDM export hands out the whole MUR: each one is audited (`report.cdm-exported`) before the first line is
 * written, naming who asked, the objects and the format.
 */
export function auditCdmExport(
  deps: { readonly store: Store; readonly audit: AuditWriter },
  request: { readonly actor: string; readonly correlationId: string; readonly objects: ReadonlySet<CdmExportObject>; readonly format: string },
): Promise<unknown> {
  return deps.store.transaction((tx) =>
    deps.audit.append(
      tx,
      [{ actor: request.actor, action: 'report.cdm-exported', target: null, reason: null, data: { objects: [...request.objects], format: request.format } }],
      request.correlationId,
    ),
  );
}
