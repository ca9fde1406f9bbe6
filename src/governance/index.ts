export { CDM_COLUMNS, CDM_EXPORT_OBJECTS, type CdmRecord, cdmRecords } from './reports/cdm-export.ts';
export { cdmLines } from './reports/cdm-lines.ts';
export { CREDENTIAL_FILTERS, type CredentialFilter } from './reports/credential-kinds.ts';
export { csvField } from './reports/csv.ts';
export { REPORT_FORMATS, type ReportFormat, csvLine, jsonLine, reportCsv, reportJson, reportText } from './reports/render.ts';
export { REPORT_NAMES, type Report, type ReportName, type ReportParams, cdmObjects, isReportName, reportName, runReport } from './reports/reports.ts';
export { auditCdmExport } from './reports/export-audit.ts';
export { type JmlDay, joinersMoversLeaversPerDay } from './reports/jml-repository.ts';
export { type SodDeps, type SodViolation, listViolations, scanViolations, violationText } from './sod/violations.ts';
export { type ExceptionRequest, MAX_EXCEPTION_DAYS, type SodException, checkSeparationOfDuties, grantException } from './sod/exceptions.ts';
export {
  CAMPAIGN_REVIEWERS,
  type Campaign,
  type CampaignDeps,
  type CampaignItem,
  type CampaignSettings,
  UNANSWERED_RULES,
  campaignProgress,
  campaigns,
  createCampaign,
  decideItem,
  parseDue,
  parseScope,
  reviewItems,
  restoreEntitlement,
} from './campaigns/campaigns.ts';
export { CAMPAIGN_TASK, type CampaignNotice, type Deliver, closeCampaign, runCampaignTask } from './campaigns/close.ts';
export { RP_ACCESS_ENDED, RP_ACCESS_RESTORED, type RpAccessEnd, agreementTarget, endRpAccess, rpAccessRevocation } from './campaigns/rp-access.ts';
export { CAMPAIGN_EVIDENCE_FORMAT, type CampaignEvidence, type CampaignEvidenceBody, campaignEvidence } from './campaigns/evidence.ts';
export { ARCHIVE_TASK, type ArchiveCandidate, type ArchiveDeps, archiveDue, dueForArchiving } from './retention/archive.ts';
export { APPROVAL_STEPS, type CatalogueItem, CatalogueService, catalogueHistory, ITEM_KINDS, type ItemDocument, listCatalogue, offeredItem } from './catalogue/index.ts';
export { type PersonName, REPORTS_LIMIT, directReports, identitiesByKey, peopleNamed } from './requests/people.ts';
export {
  type AccessRequest,
  type Decision,
  type Requester,
  RequestService,
  MOVER_REAPPROVAL_JOB,
  moverReapprovalHandler,
  sweepRequests,
  ActivationService,
  type ChallengeVerifier,
  heldItems,
} from './requests/index.ts';
