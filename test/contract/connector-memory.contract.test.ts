import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { MemoryConnector } from '../../src/connectors/accounts/memory.ts';
import { connectorContract } from './connector-contract.ts';

connectorContract('memory', async () => ({ connector: new MemoryConnector('memory'), stop: async () => {} }));

it('the memory connector refuses to run outside tests', () => {
  const script = "import { MemoryConnector } from './src/connectors/accounts/memory.ts'; try { new MemoryConnector('x'); console.log('built'); } catch (e) { console.log(e.code); }";
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  delete env.MUSTER_TEST;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  assert.equal(run.stdout.trim(), 'MUSTER_ERR_TEST_ONLY', run.stderr);
});
