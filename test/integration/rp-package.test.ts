// What an application gets that installs muster to use `muster/rp`: the packed package (npm pack, which builds
// dist/rp), installed from its tarball into a project of its own, imported by Node from node_modules and
// type-checked by tsc against the shipped declarations.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** The packages src/rp may import (src/rp/boundary.test.ts keeps it to these). */
const RP_PACKAGES = ['openid-client', 'jose', 'zod'];

const CONSUMER_TS = `import { parseAgreements, isRpError, type TrustAgreements } from 'muster/rp';

export function agreementsOf(json: unknown): TrustAgreements | string {
  try {
    return parseAgreements(json);
  } catch (error) {
    return isRpError(error, 'RP_ERR_CONFIG') ? error.code : 'unexpected';
  }
}
const count: number = agreementsOf([]).length;
console.log(count);
`;

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'es2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
  },
  files: ['main.ts'],
};

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** tsc in the application's directory (tsc writes its diagnostics to stdout). */
function typeCheck(cwd: string): { status: number | null; stdout: string } {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout };
}

describe('muster/rp installed from the packed package', { timeout: 120_000 }, () => {
  let dir = '';
  let app = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-rp-package-'));
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], root)) as { filename: string }[];
    app = join(dir, 'app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'rp-app', private: true, type: 'module' }));
    // the cache npm ci filled serves most of it; scripts are left out (the pinned Node runtime's download)
    npm(['install', '--prefer-offline', '--ignore-scripts', join(dir, packed?.filename ?? '')], app);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('Node imports muster/rp from node_modules and it works', () => {
    const script = "import('muster/rp').then((rp) => { try { rp.parseAgreements([]) } catch (e) { console.log(rp.isRpError(e, 'RP_ERR_CONFIG'), e.details.field === '') } })";
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
    assert.equal(out.trim(), 'true true');
  });

  test('tsc type-checks an application importing muster/rp, against the shipped declarations', async () => {
    await writeFile(join(app, 'main.ts'), CONSUMER_TS);
    await writeFile(join(app, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG));
    const checked = typeCheck(app);
    assert.equal(checked.status, 0, checked.stdout);
    // and a wrong use is caught, so the check above did look at the types
    await writeFile(join(app, 'main.ts'), CONSUMER_TS.replace('const count: number', 'const count: boolean'));
    const wrong = typeCheck(app);
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stdout, /main\.ts\(\d+,\d+\): error TS2322/);
  });

  test('the package ships the build of src/rp without its tests, and declares what muster/rp imports', () => {
    const shipped = readdirSync(join(app, 'node_modules/muster/dist/rp'));
    assert.ok(shipped.includes('index.js') && shipped.includes('index.d.ts'), shipped.join(' '));
    assert.deepEqual(
      shipped.filter((name) => name.includes('test') || (name.endsWith('.ts') && !name.endsWith('.d.ts'))),
      [],
    );
    for (const name of RP_PACKAGES) {
      assert.ok(pkg.dependencies?.[name], `${name} is among the dependencies`);
      assert.ok(existsSync(join(app, 'node_modules', name, 'package.json')), `${name} is installed with muster`);
    }
  });
});
