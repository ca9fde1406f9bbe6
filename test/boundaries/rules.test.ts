import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { importsOf } from './imports.ts';
import { check } from './rules.ts';

const src = '/muster/src';
const value = (specifier: string) => ({ specifier, line: 1, typeOnly: false });
const typeOnly = (specifier: string) => ({ specifier, line: 1, typeOnly: true });
const ruleOf = (file: string, site: { specifier: string; line: number; typeOnly: boolean }) => check(src, file, site)?.rule;

describe('the boundary rules', () => {
  test('core/ imports nothing of the others and no I/O', () => {
    assert.equal(ruleOf('core/errors.ts', typeOnly('../store/store.ts')), 'core/ imports nothing of the others');
    assert.match(ruleOf('core/clock.ts', value('node:fs')) ?? '', /core\/ is pure, no I\/O/);
    assert.equal(ruleOf('core/identity/record.ts', value('zod')), undefined);
  });

  test('a connector never reaches into the store', () => {
    assert.equal(ruleOf('connectors/accounts/ldap/client.ts', value('../../../store/store.ts')), 'a connector never reaches into the store');
    assert.match(ruleOf('connectors/accounts/scim/client.ts', value('pg')) ?? '', /never reaches into the store/);
  });

  test('rp/ imports nothing of the server', () => {
    assert.match(ruleOf('rp/assertion.ts', value('../core/errors.ts')) ?? '', /rp\/ imports nothing of the server/);
  });

  test('the arrows point one way', () => {
    assert.match(ruleOf('store/store.ts', value('../mur/change-set.ts')) ?? '', /the arrows point one way/);
    assert.match(ruleOf('pki/ca.ts', value('../protocols/ocsp/http.ts')) ?? '', /the arrows point one way/);
    assert.match(ruleOf('protocols/oidc/provider.ts', value('../../http/app.ts')) ?? '', /the arrows point one way/);
    assert.match(ruleOf('http/app.ts', value('../cli/main.ts')) ?? '', /http\/ may use only/);
    assert.equal(ruleOf('protocols/oidc/provider.ts', value('../../credentials/cards.ts')), undefined);
  });

  test('http/ has no business logic: it takes only types from the store', () => {
    assert.match(ruleOf('http/routes/pki.ts', value('../../store/open.ts')) ?? '', /no business logic/);
    assert.equal(ruleOf('http/routes/pki.ts', typeOnly('../../store/store.ts')), undefined);
  });

  test('protocol engines and services never import the web framework', () => {
    assert.match(ruleOf('protocols/ocsp/http.ts', value('hono')) ?? '', /framework-free/);
    assert.match(ruleOf('pki/crl.ts', value('@hono/node-server')) ?? '', /framework-free/);
    assert.equal(ruleOf('http/app.ts', value('@hono/zod-openapi')), undefined);
  });

  test('lifecycle/ reaches connectors/ only through the port', () => {
    assert.match(ruleOf('lifecycle/provision/worker.ts', value('../../connectors/accounts/ldap/index.ts')) ?? '', /only through its port/);
    assert.equal(ruleOf('lifecycle/provision/worker.ts', typeOnly('../../connectors/accounts/port.ts')), undefined);
  });

  test('production files never import tests, test support or anything outside src/', () => {
    assert.match(ruleOf('mur/change-set.ts', value('../../test/support/stores.ts')) ?? '', /never import test support/);
    assert.match(ruleOf('credentials/cards.ts', value('./test-fixtures.ts')) ?? '', /never import tests or test support/);
    assert.match(ruleOf('runtime/context.ts', value('../../tools/peer-check.ts')) ?? '', /nothing outside src/);
    assert.equal(ruleOf('http/app.ts', value('../../package.json')), undefined);
  });

  test('a folder without an entry in the parts table is refused', () => {
    assert.match(ruleOf('reports/daily.ts', value('../core/errors.ts')) ?? '', /src\/reports has no entry in the parts table/);
  });
});

describe('reading the imports of a file', () => {
  test('static imports, re-exports, dynamic import() and import types, each with its line and whether only types cross', () => {
    const dir = mkdtempSync(join(tmpdir(), 'muster-imports-'));
    try {
      const file = join(dir, 'sample.ts');
      const lines = [
        "import { a } from './a.ts';",
        "import type { B } from './b.ts';",
        "import { type C } from './c.ts';",
        "export { d } from './d.ts';",
        "export type { E } from './e.ts';",
        "const f = await import('./f.ts');",
        "let g: typeof import('./g.ts');",
        "import './h.ts';",
      ];
      writeFileSync(file, `${lines.join('\n')}\n`);
      assert.deepEqual(importsOf(file), [
        { specifier: './a.ts', line: 1, typeOnly: false },
        { specifier: './b.ts', line: 2, typeOnly: true },
        { specifier: './c.ts', line: 3, typeOnly: true },
        { specifier: './d.ts', line: 4, typeOnly: false },
        { specifier: './e.ts', line: 5, typeOnly: true },
        { specifier: './f.ts', line: 6, typeOnly: false },
        { specifier: './g.ts', line: 7, typeOnly: true },
        { specifier: './h.ts', line: 8, typeOnly: false },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
