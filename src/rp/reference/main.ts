/**
 * Runs the reference relying party: `npx node src/rp/reference/main.ts --config rp.json`.
 */
import { parseArgs } from 'node:util';
import { isRpError } from '../errors.ts';
import { createReferenceRp } from './app.ts';
import { loadReferenceConfig } from './config.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } });
  if (!values.config) {
    process.stderr.write('usage: node src/rp/reference/main.ts --config rp.json\n');
    process.exitCode = 2;
    return;
  }
  const config = loadReferenceConfig(values.config);
  const rp = createReferenceRp(config.options);
  const { url } = await rp.listen(config.port, config.host);
  process.stdout.write(`reference relying party listening on ${url}\n`);
  const stop = () => void rp.close().then(() => process.exit(0));
  process.once('SIGINT', stop).once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${isRpError(error) ? `${error.code}: ` : ''}${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
