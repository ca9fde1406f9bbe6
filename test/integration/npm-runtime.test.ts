// What npm makes of muster's package.json on a machine whose own Node is older than the pinned Node 24.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8'));

test('npm install on an older Node does not warn about muster: Node 24 is stated in devEngines, not engines', () => {
  // npm warns EBADENGINE for the project's own `engines` on every install with another Node, although muster
  // then runs on the pinned Node 24 (the `node` package); with devEngines present npm skips that check.
  assert.equal(pkg.engines?.node, undefined, 'package.json engines.node');
  assert.equal(lock.packages?.['']?.engines?.node, undefined, 'package-lock.json root engines.node');
  assert.deepEqual(pkg.devEngines?.runtime, { name: 'node', version: '>=24', onFail: 'ignore' });
  assert.match(pkg.dependencies?.node ?? '', /^\^24\./, 'the pinned runtime is Node 24');
});

test('npm start execs muster, so that npm hands a kill or Ctrl-C to muster itself and returns once it has stopped', () => {
  // without exec, sh stands between npm and muster: npm signals sh, sh dies, and muster keeps running
  assert.match(pkg.scripts?.start ?? '', /^exec node bin\/muster\.js serve --demo$/);
});
