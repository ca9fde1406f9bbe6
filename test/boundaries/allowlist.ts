/**
 * Imports that break a rule of the parts table today, each with why and what would fix it. The list
 * may only shrink: a new break fails the boundary test, and so does an entry whose break is gone.
 */
export interface KnownBreak {
  /** the importing file, relative to src/ */
  readonly file: string;
  /** the part (or package) it reaches */
  readonly target: string;
  readonly why: string;
  readonly fix: string;
}

const CHANGE_SET = {
  why: 'a credential change commits its identity events, outbox jobs and audit in one transaction through the MUR change set (ChangeSet, loadIdentities)',
  fix: 'the architecture lets credentials/ use mur/ (the change set is the one way to commit an event with its jobs), or runtime/ hands credentials/ a change-set factory',
};

const RP_PROVISIONING = {
  why: 'provisioning to relying parties drives the SCIM client adapter of connectors/ directly',
  fix: 'runtime/ hands federation/ an accounts Connector (connectors/accounts/port.ts), or RP provisioning becomes a lifecycle/ job on the connector port',
};

const TICKET_ADAPTER = {
  why: "ticket callbacks and escalations reuse the ticket adapter's signed POST, its signature check and its defaults (connectors/accounts/ticket/index.ts), not the port",
  fix: 'the signed-webhook helpers move to the connector port (or core/), or the ticket adapter verifies callbacks itself',
};

export const KNOWN_BREAKS: readonly KnownBreak[] = [
  { file: 'credentials/card-service.ts', target: 'mur', ...CHANGE_SET },
  { file: 'credentials/card-update.ts', target: 'mur', ...CHANGE_SET },
  { file: 'credentials/cards.ts', target: 'mur', ...CHANGE_SET },
  { file: 'credentials/derived/bind.ts', target: 'mur', ...CHANGE_SET },
  { file: 'credentials/exceptions.ts', target: 'mur', ...CHANGE_SET },
  { file: 'credentials/prerequisites.ts', target: 'mur', ...CHANGE_SET },
  { file: 'credentials/review.ts', target: 'mur', ...CHANGE_SET },
  { file: 'credentials/transition.ts', target: 'mur', ...CHANGE_SET },
  {
    file: 'federation/provisioning/job.ts',
    target: 'mur',
    why: 'the RP provisioning job loads the identities it pushes with the MUR repository (loadIdentities)',
    fix: 'the job moves to lifecycle/ (which may use mur/) together with its handler types',
  },
  { file: 'federation/provisioning/rp-service.ts', target: 'connectors', ...RP_PROVISIONING },
  { file: 'federation/provisioning/scim-user.ts', target: 'connectors', ...RP_PROVISIONING },
  { file: 'lifecycle/tickets/callback.ts', target: 'connectors', ...TICKET_ADAPTER },
  { file: 'lifecycle/tickets/escalate.ts', target: 'connectors', ...TICKET_ADAPTER },
  { file: 'lifecycle/tickets/targets.ts', target: 'connectors', ...TICKET_ADAPTER },
];
