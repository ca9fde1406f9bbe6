import { loadConfig } from '../config/load.ts';
import { testOperator } from '../operators/test-operators.ts';
import { startMuster } from '../runtime/context.ts';

/**
 * Tests only: a token (for `MUSTER_TOKEN`) of a new operator holding `roles`, in the store the command line
 * opens with this data folder, environment and configuration file.
 */
export async function cliOperatorToken(where: { dataDir: string; env: Record<string, string | undefined>; file?: string }, roles: readonly string[]): Promise<string> {
  const ctx = await startMuster(loadConfig({ file: where.file, env: where.env, overrides: { dataDir: where.dataDir } }));
  try {
    return (await testOperator(ctx, roles)).token;
  } finally {
    await ctx.close();
  }
}
