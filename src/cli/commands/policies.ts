import type { Command } from 'commander';
import { policyDisableRoute, policySaveRoute } from '../../http/routes/policies.ts';
import { withOperator } from './as-operator.ts';
import type { AccessChange } from '../../core/access/diff.ts';
import { MusterError } from '../../core/errors.ts';
import { type DryRunChange, type DryRunResult, dryRunAccess } from '../../lifecycle/access/dry-run.ts';
import type { PolicyVersion } from '../../lifecycle/access/policies.ts';
import type { Cli } from '../cli.ts';
import type { CommandGroup } from '../main.ts';
import { table } from '../render.ts';
import { readFlagFile } from './file-input.ts';

/** The JSON in the file named by a flag; unreadable or malformed JSON is refused naming the flag. */
async function readJsonFile(flag: string, path: string): Promise<unknown> {
  const text = await readFlagFile(flag, path);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `--${flag}: ${path} is not JSON: ${(error as Error).message}`, [{ field: flag, value: path, message: 'not JSON' }]);
  }
}

async function readProposed(path: string): Promise<Record<string, unknown>> {
  const proposed = await readJsonFile('file', path);
  if (proposed === null || typeof proposed !== 'object' || Array.isArray(proposed)) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `--file: ${path} must hold an object of policy name → document (or null to leave a policy out)`, [
      { field: 'file', value: path, message: 'not an object' },
    ]);
  }
  return proposed as Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Collects repeated --identity flags, refusing what is not an identity id before the store sees it. */
function collectIdentity(id: string, ids: string[]): string[] {
  if (!UUID.test(id)) throw new MusterError('MUSTER_ERR_VALIDATION', '--identity must be an identity id (a UUID)', [{ field: 'identity', value: id, message: 'not a UUID' }]);
  return [...ids, id];
}

function policyTable(items: readonly PolicyVersion[]): string[] {
  return table(
    ['NAME', 'VERSION', 'KIND', 'ENABLED', 'AUTHOR', 'CREATED', 'REASON'],
    items.map((p) => [p.name, p.version, p.kind, p.enabled ? 'yes' : 'no', p.author, p.createdAt, p.reason]),
  );
}

function savedLine(p: PolicyVersion): string {
  return `policy ${p.name} version ${p.version} ${p.enabled ? 'saved' : 'disabled'}; everyone's access is recomputed by the worker`;
}

/** "create ldap E1234; grant ldap/staff; remove ldap/it-admins (reason)": what is taken away says why. */
function changeSteps(change: AccessChange): string[] {
  const why = (reason: string) => ` (${reason})`;
  return [
    ...change.accounts.map((a) => `${a.action} ${a.target} ${a.previousKey ? `${a.previousKey} → ` : ''}${a.key}${a.action === 'disable' ? why(a.reason) : ''}`),
    ...change.granted.map((g) => `grant ${g.target}/${g.group}`),
    ...change.resumed.map((g) => `resume ${g.target}/${g.group}`),
    ...change.removed.map((g) => `remove ${g.target}/${g.group}${why(g.reason)}`),
    ...change.suspended.map((g) => `suspend ${g.target}/${g.group}${why(g.reason)}`),
  ];
}

function planLine(c: DryRunChange): string {
  return `${c.label ?? c.identityId} (${c.identityId}): ${changeSteps(c.change).join('; ')}`;
}

function dryRunLines(result: DryRunResult): string[] {
  const policies = result.policies.map((p) => `${p.name} ${p.version === 'proposed' ? '(proposed)' : `v${p.version}`}`).join(', ') || 'none';
  const summary =
    Object.entries(result.summary)
      .map(([key, n]) => `${key} ${n}`)
      .join(', ') || 'no changes';
  return [...result.changes.map(planLine), `policies: ${policies}`, `${result.changes.length} of ${result.identities} identities would change: ${summary}`];
}

function readCommands(policy: Command, cli: Cli): void {
  policy
    .command('list')
    .description('every policy: its newest version, enabled or not')
    .action((_opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await ctx.policies.list();
        cli.print(command, { items }, () => (items.length === 0 ? 'no policies' : policyTable(items)));
      }),
    );
  policy
    .command('show')
    .description('every version of one policy, newest first, and its newest document')
    .argument('<name>', 'policy name')
    .action((name: string, _opts: unknown, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const items = await ctx.policies.history(name);
        cli.print(command, { items }, () => [...policyTable(items), '', JSON.stringify(items[0]?.document, null, 2)]);
      }),
    );
}

function writeCommands(policy: Command, cli: Cli): void {
  policy
    .command('set')
    .description("save a policy document as the policy's next version (enabled)")
    .argument('<name>', 'policy name')
    .requiredOption('--file <file>', 'the policy document (JSON)')
    .requiredOption('--reason <text>', 'why (kept with the version and in the audit log)')
    .action((name: string, opts: { file: string; reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const saved = await ctx.policies.save(name, await readJsonFile('file', opts.file), by.actor, opts.reason);
          cli.print(command, { policy: saved }, () => savedLine(saved));
        },
        { route: policySaveRoute, params: { name } },
      ),
    );
  policy
    .command('disable')
    .description('disable a policy: the access it gave is removed; its history stays')
    .argument('<name>', 'policy name')
    .requiredOption('--reason <text>', 'why (kept with the version and in the audit log)')
    .action((name: string, opts: { reason: string }, command: Command) =>
      withOperator(
        cli,
        command,
        async (ctx, by) => {
          const disabled = await ctx.policies.disable(name, by.actor, opts.reason);
          cli.print(command, { policy: disabled }, () => savedLine(disabled));
        },
        { route: policyDisableRoute, params: { name } },
      ),
    );
}

function dryRunCommand(policy: Command, cli: Cli): void {
  policy
    .command('dry-run')
    .description('what the policies in force, with any proposed edits, would change and for whom; nothing is changed')
    .option('--file <file>', 'proposed edits: JSON object of policy name → document, or null to leave a policy out')
    .option('--identity <id>', 'only this identity (repeatable)', collectIdentity, [] as string[])
    .action((opts: { file?: string; identity: string[] }, command: Command) =>
      cli.withMuster(command, async (ctx) => {
        const request = { ...(opts.file ? { proposed: await readProposed(opts.file) } : {}), ...(opts.identity.length > 0 ? { identityIds: opts.identity } : {}) };
        const result = await dryRunAccess(ctx.store, ctx.accessTargets, ctx.clock.now(), request);
        cli.print(command, result, () => dryRunLines(result));
      }),
    );
}

/** `muster policy list|show|set|disable|dry-run`: versioned access policies. */
export const policyCommands: CommandGroup = (program, cli) => {
  const policy = program.command('policy').description('access policies: birthright accounts and groups per target, conditions that suspend them');
  readCommands(policy, cli);
  writeCommands(policy, cli);
  dryRunCommand(policy, cli);
};
