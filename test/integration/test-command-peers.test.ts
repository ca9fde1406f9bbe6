// `npm test` checks the real peers and names what is missing; it never installs them (`npm run peers` does).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PEER_CHECK } from '../../tools/peer-check.ts';
import { findExecutable } from '../support/peers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The peer step of tools/run-tests.ts. */
function checkPeers(env: NodeJS.ProcessEnv): { status: number | null; stderr: string } {
  const result = spawnSync(PEER_CHECK.command, [...PEER_CHECK.args], { cwd: root, env, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

describe('the peer step of npm test', () => {
  let dir = '';
  let record = '';
  let env: NodeJS.ProcessEnv = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-peers-'));
    record = join(dir, 'apt-get.calls');
    const bin = join(dir, 'bin');
    await mkdir(bin);
    // a machine where every peer is missing, the user is root and apt-get is at hand: apt-get only writes down
    // that it was called
    await writeFile(join(bin, 'apt-get'), `#!/bin/sh\necho "apt-get $*" >> '${record}'\n`);
    await writeFile(join(bin, 'id'), '#!/bin/sh\necho 0\n');
    await chmod(join(bin, 'apt-get'), 0o755);
    await chmod(join(bin, 'id'), 0o755);
    await symlink(findExecutable('bash') ?? '/bin/bash', join(bin, 'bash'));
    env = { PATH: bin, HOME: dir };
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('as root with apt-get at hand, it installs nothing and names what is missing and how to install it', () => {
    const { status, stderr } = checkPeers(env);
    assert.equal(existsSync(record) ? readFileSync(record, 'utf8') : '', '', 'apt-get was called');
    assert.equal(status, 0, stderr);
    for (const name of ['openssl', 'softhsm2', 'chromium', 'curl', 'git']) assert.match(stderr, new RegExp(`\\b${name}\\b`), `names ${name}`);
    assert.match(stderr, /npm run peers/);
  });
});

test('npm run peers and CI install the peers; npm test does not', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.scripts.peers, 'bash tools/peers.sh --install');
  assert.match(readFileSync(join(root, '.ci/run'), 'utf8'), /^\s*bash tools\/peers\.sh --install$/m);
  assert.doesNotMatch(readFileSync(join(root, 'tools/run-tests.ts'), 'utf8'), /apt-get|--install/);
});
