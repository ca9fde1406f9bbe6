export { CDM_COLUMNS, CDM_EXPORT_OBJECTS, type CdmRecord, cdmRecords } from './reports/cdm-export.ts';
export { cdmLines } from './reports/cdm-lines.ts';
export { CREDENTIAL_FILTERS, type CredentialFilter } from './reports/credential-kinds.ts';
export { csvField } from './reports/csv.ts';
export { REPORT_FORMATS, type ReportFormat, csvLine, jsonLine, reportCsv, reportJson, reportText } from './reports/render.ts';
export { REPORT_NAMES, type Report, type ReportName, type ReportParams, cdmObjects, isReportName, reportName, runReport } from './reports/reports.ts';
export { auditCdmExport } from './reports/export-audit.ts';
export { type CatalogueItem, CatalogueService, listCatalogue, offeredItem } from './catalogue/index.ts';
export {
  type AccessRequest,
  type Decision,
  type Requester,
  RequestService,
  MOVER_REAPPROVAL_JOB,
  moverReapprovalHandler,
  sweepRequests,
  checkSeparationOfDuties,
  useSeparationOfDuties,
  ActivationService,
  type ChallengeVerifier,
  heldItems,
} from './requests/index.ts';
