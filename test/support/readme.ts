// The README's walk-through as a shell script: its `sh` blocks in order, each announced by a marker line, run by
// one bash. Job control stays off, so `kill %1` signals `npm` alone, not its process group as a terminal would:
// the stricter case, where only npm's own forwarding of the signal stops muster.
import { readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** The `sh` blocks of one README section (from its `## ` heading to the next), dedented, in order. */
export function sectionBlocks(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section "## ${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^( *)```sh\n([\s\S]*?)^ *```$/gm)].map((m) => dedent(m[2] as string, (m[1] as string).length));
}

function dedent(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => line.slice(Math.min(width, line.length - line.trimStart().length)))
    .join('\n');
}

export const BLOCK_MARK = '@@ block';
export const FAILED_MARK = '@@ failed:';

/**
 * One script: every failing command is named (ERR trap) without stopping the script, as a terminal would go on;
 * at exit, background jobs still running are stopped and waited for.
 */
export function walkthroughScript(blocks: readonly string[]): string {
  return [
    `trap 'echo "${FAILED_MARK} $BASH_COMMAND (exit $?)"' ERR`,
    `trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT`,
    ...blocks.map((block, i) => `printf '\\n%s\\n' "${BLOCK_MARK} ${i + 1}"\n${block}`),
    '',
  ].join('\n');
}

/** The output of each block (index 0: the first block). */
export function splitByBlock(output: string): string[] {
  const parts = output.split(new RegExp(`^${BLOCK_MARK} \\d+$`, 'm'));
  return parts.slice(1);
}

/** Resolves false when something already listens on 127.0.0.1:port. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Processes whose working directory is inside dir (Linux /proc): what the walk-through left running. */
export function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) pids.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}
