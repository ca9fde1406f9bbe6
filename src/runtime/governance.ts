import type { NamedSweep } from '../lifecycle/worker.ts';
import { ARCHIVE_TASK, type ArchiveDeps, CAMPAIGN_TASK, type CampaignDeps, type Deliver, type SodDeps, archiveDue, runCampaignTask, scanViolations } from '../governance/index.ts';
import type { Muster } from './context.ts';

export const SOD_SCAN_TASK = 'sod.scan';

export function campaignDeps(muster: Muster): CampaignDeps {
  const { store, audit, clock, config } = muster;
  return {
    store,
    audit,
    clock,
    settings: config.governance.campaigns,
    targets: muster.accessTargets.names,
    endCredential: async (credentialId, correlationId) => (await muster.credentials()).derived.terminate(credentialId, 'withdrawn', { actor: 'muster:governance', correlationId }),
  };
}

export function sodDeps(muster: Muster): SodDeps {
  return { store: muster.store, audit: muster.audit, clock: muster.clock };
}

export function archiveDeps(muster: Muster): ArchiveDeps {
  const deleteOnArchive = Object.entries(muster.config.targets)
    .filter(([, target]) => target.deleteOnArchive)
    .map(([name]) => name);
  return { store: muster.store, audit: muster.audit, clock: muster.clock, archiveAfterDays: muster.config.governance.retention.archiveAfterDays, deleteOnArchive };
}

/** Campaign notices (reminders, escalations) go out through the notification connector. */
export function campaignDeliver(muster: Muster): Deliver {
  return (notice) => muster.notifier.deliver(notice);
}

/** The periodic work of governance: campaigns due (and reminders), the detective separation-of-duties scan, retention. */
export function governanceSweeps(muster: Muster): NamedSweep[] {
  return [
    {
      name: CAMPAIGN_TASK,
      singleton: true,
      run: async () => {
        await runCampaignTask(campaignDeps(muster), campaignDeliver(muster));
      },
    },
    {
      name: SOD_SCAN_TASK,
      singleton: true,
      run: async () => {
        await scanViolations(sodDeps(muster));
      },
    },
    {
      name: ARCHIVE_TASK,
      singleton: true,
      run: async () => {
        await archiveDue(archiveDeps(muster), 'muster:governance');
      },
    },
  ];
}
