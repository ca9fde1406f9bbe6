// The README's "Five minutes with muster", pasted block by block into one terminal, as a newcomer does: in a fresh
// clone of this repository's HEAD (node_modules linked, not installed), from the repository root, with the server
// started in the background as the README says.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { FAILED_MARK, portIsFree, processesIn, sectionBlocks, splitByBlock, walkthroughScript } from '../support/readme.ts';
import { waitUntil } from '../support/wait.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PORTS = [8080, 8443, 8090];
const SCRIPT_TIMEOUT_MS = 8 * 60_000;
const ERRORS =
  /No such file or directory|cannot open|Connection refused|missing required argument|Cannot find module|command not found|MUSTER_ERR_|Could not open|unable to load|is in use by process/i;

/** A newcomer's environment: no muster or test variables, no npm script context, node_modules/.bin not on PATH. */
function newcomerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(MUSTER_|DATABASE_URL$|npm_|NODE_OPTIONS$|NODE_TEST_CONTEXT$|INIT_CWD$)/.test(name)) continue;
    env[name] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => !p.includes('node_modules'))
    .join(delimiter);
  return env;
}

function freshClone(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'muster-readme-')));
  // as root in CI, git refuses a repository another user owns unless told it is safe
  execFileSync('git', ['clone', '--quiet', REPO, dir], { env: { ...process.env, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*' } });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Stops whatever still runs in the clone (a server the README leaves running in the background), by pid. */
async function stopLeftovers(dir: string): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    for (const pid of processesIn(dir)) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
    await waitUntil("the walk-through's processes to end", () => processesIn(dir).length === 0, { timeoutMs: 10_000, intervalMs: 500 }).catch(() => undefined);
  }
}

function runScript(cwd: string, script: string): Promise<{ output: string; code: number | null }> {
  writeFileSync(join(cwd, '.walkthrough.sh'), script);
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['.walkthrough.sh'], { cwd, env: newcomerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), SCRIPT_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ output, code });
    });
  });
}

/** The reference RP of the last step answers (the README leaves it running in the background). */
const RP_CHECK = `for i in $(seq 60); do curl -sf -o /dev/null localhost:8090/ && break; sleep 1; done; curl -s -o /dev/null -w 'reference RP: HTTP %{http_code}\\n' localhost:8090/`;

test('the README walk-through works pasted block by block, in order, from the repository root', { timeout: SCRIPT_TIMEOUT_MS + 120_000 }, async () => {
  for (const port of PORTS) assert.ok(await portIsFree(port), `port ${port} is in use: the README walk-through needs 8080, 8443 and 8090`);
  const dir = freshClone();
  try {
    const blocks = sectionBlocks(readFileSync(join(dir, 'README.md'), 'utf8'), 'Five minutes with muster');
    assert.equal(blocks.length, 9, 'one shell block per step');
    const { output, code } = await runScript(dir, walkthroughScript([...blocks, RP_CHECK]));
    const log = existsSync(join(dir, 'muster.log')) ? readFileSync(join(dir, 'muster.log'), 'utf8').slice(-3000) : '(none)';
    const shown = `\n--- walk-through output ---\n${output.slice(-6000)}\n--- muster.log, its end ---\n${log}`;
    assert.equal(code, 0, shown);
    const failed = output.split('\n').filter((line) => line.startsWith(FAILED_MARK) && !/^@@ failed: wait( |$)/.test(line));
    assert.deepEqual(failed, [], shown);
    const steps = splitByBlock(output);
    // step 6 shows two refusals on purpose: the separation of duties and the two-person rule
    const expected = (text: string, i: number) => (i === 5 ? text.replace(/MUSTER_ERR_(SEPARATION_OF_DUTIES|FORBIDDEN)\b/g, '') : text);
    steps.forEach((text, i) => assert.doesNotMatch(expected(text, i), ERRORS, `step ${i + 1}${shown}`));
    assert.match(steps[0] ?? '', /\{"status":"ok","store":"available"\}/, `step 1: health${shown}`);
    assert.match(steps[0] ?? '', /"items":\[\{/, `step 1: identities${shown}`);
    for (const name of ['operator-admin', 'security-officer', 'auditor', 'hr-feed']) assert.ok(existsSync(join(dir, 'data/demo/tokens', name)), `step 1: the demo wrote the ${name} token${shown}`);
    assert.match(steps[1] ?? '', /"sourceRecord":"/, `step 2: one identity with provenance${shown}`);
    assert.match(steps[2] ?? '', /"status":"applied"/, `step 3: day 1 applied${shown}`);
    assert.match(steps[3] ?? '', /"status":"held"[\s\S]*HTTP 202/, `step 4: held${shown}`);
    assert.match(steps[4] ?? '', /"ok":true/, `step 5: audit verified${shown}`);
    assert.match(steps[5] ?? '', /issuer-not-sponsor[\s\S]*HTTP 403/, `step 6: the issuer who sponsored is refused${shown}`);
    assert.match(steps[5] ?? '', /card issued: HTTP 201/, `step 6: three people issue the card${shown}`);
    assert.match(steps[5] ?? '', /second-person[\s\S]*HTTP 403/, `step 6: the proposer cannot confirm${shown}`);
    assert.match(steps[5] ?? '', /confirmed: HTTP 200[\s\S]*callback-v2/, `step 6: a second federation admin confirms the redirect URI${shown}`);
    assert.match(steps[6] ?? '', /wrote \d+ HR/, `step 7: the command line${shown}`);
    const answers = [...(steps[7] ?? '').matchAll(/piv-auth\.pem: (good|revoked)/g)].map((m) => m[1]);
    assert.equal(answers[0], 'good', `step 8: OCSP before the leaver${shown}`);
    assert.equal(answers.at(-1), 'revoked', `step 8: OCSP after the leaver${shown}`);
    assert.match(steps[7] ?? '', /"type":"identity\.leaver"/, `step 8: the trace of the leaver${shown}`);
    assert.match(steps[7] ?? '', /^ok +bundle signature/m, `step 8: the evidence verifies${shown}`);
    assert.doesNotMatch(steps[7] ?? '', /^FAIL /m, `step 8: no evidence check fails${shown}`);
    assert.match(steps[8] ?? '', /"issuer":"http:\/\/127\.0\.0\.1:8080\/oidc"/, `step 9: the OpenID Provider${shown}`);
    assert.match(steps[9] ?? '', /reference RP: HTTP (200|302)/, `step 9: the reference RP${shown}`);
  } finally {
    await stopLeftovers(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});
