import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { MusterError } from '../core/errors.ts';
import type { Decider, PendingAction, PendingKind } from '../operators/pending-actions.ts';
import { exportRootKey, importRootKey, removeRootKey, type RootCeremony } from '../pki/store/root-offline.ts';
import type { Muster } from './context.ts';
import { keyPassphrase } from './key-passphrase.ts';

/** The root CA key ceremonies, each run only when a second ca-operator confirms it on the CA's host. */
export const CA_ROOT_EXPORT = 'ca.root-export';
export const CA_ROOT_REMOVE = 'ca.root-remove';
export const CA_ROOT_IMPORT = 'ca.root-import';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function ceremony(ctx: Muster, by: Decider, action: PendingAction): RootCeremony {
  return { store: ctx.store, audit: ctx.audit, clock: ctx.clock, actor: by.actor, correlationId: `${by.correlationId}:${action.id}` };
}

/** The kinds of the root key ceremony: confirmed by another ca-operator, from the command line only. */
export function caKinds(ctx: Muster): [string, PendingKind][] {
  return [
    [
      CA_ROOT_EXPORT,
      {
        role: 'ca-operator',
        localOnly: true,
        run: async (action, by) => {
          await ctx.ca();
          const out = String(action.payload.out);
          const pem = await exportRootKey(ceremony(ctx, by, action));
          await writeFile(out, pem, { mode: 0o600, flag: 'wx' }).catch((error: Error) => {
            throw new MusterError('MUSTER_ERR_OUTPUT_FILE', `cannot write ${out}: ${error.message}`, [{ field: 'out', value: out, message: 'cannot be created (it must not exist)' }]);
          });
          return { file: out };
        },
      },
    ],
    [
      CA_ROOT_REMOVE,
      {
        role: 'ca-operator',
        localOnly: true,
        run: async (action, by) => {
          await removeRootKey(ceremony(ctx, by, action));
          return { removed: 'root' };
        },
      },
    ],
    [
      CA_ROOT_IMPORT,
      {
        role: 'ca-operator',
        localOnly: true,
        run: async (action, by) => {
          const file = String(action.payload.file);
          const pem = await readFile(file, 'utf8');
          if (sha256(pem) !== action.payload.sha256) {
            throw new MusterError('MUSTER_ERR_CONFLICT', `${file} changed since the import was proposed`, [{ field: 'file', value: file, message: 'not the file proposed' }]);
          }
          await importRootKey(ceremony(ctx, by, action), pem, await keyPassphrase(ctx.config));
          return { imported: 'root' };
        },
      },
    ],
  ];
}

/** The payload of a proposed root key import: the file and the SHA-256 of what it holds now. */
export async function rootImportPayload(file: string): Promise<Record<string, unknown>> {
  return { file, sha256: sha256(await readFile(file, 'utf8')) };
}
