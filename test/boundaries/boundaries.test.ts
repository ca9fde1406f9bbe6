import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KNOWN_BREAKS, type KnownBreak } from './allowlist.ts';
import { importsOf } from './imports.ts';
import { PARTS } from './parts.ts';
import { check, isTestFile, partOf, type Violation } from './rules.ts';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(src, path)] : [];
  });
}

function violations(): Violation[] {
  return sourceFiles(src)
    .filter((file) => !isTestFile(file))
    .flatMap((file) => importsOf(join(src, file)).flatMap((site) => check(src, file, site) ?? []));
}

const targetPart = (violation: Violation): string => (violation.target.includes('/') || violation.target.endsWith('.ts') ? partOf(violation.target) : violation.target);
const covers = (known: KnownBreak, violation: Violation): boolean => known.file === violation.file && known.target === targetPart(violation);
const describeViolation = (v: Violation): string => `src/${v.file}:${v.line} → ${v.target}: ${v.rule}`;

describe('import boundaries (docs/architecture.md)', () => {
  const found = violations();

  test('every part under src/ has an entry in the parts table, and every entry uses known parts', () => {
    const present = new Set(
      readdirSync(src, { withFileTypes: true })
        .map((entry) => entry.name)
        .filter((name) => !isTestFile(name)),
    );
    const missing = [...present].filter((name) => PARTS[name] === undefined);
    assert.deepEqual(missing, [], `src/ entries without a rule: ${missing.join(', ')}`);
    for (const [part, rule] of Object.entries(PARTS)) {
      const unknown = rule.uses.filter((used) => PARTS[used] === undefined && used !== 'package.json');
      assert.deepEqual(unknown, [], `${part} uses parts the table does not know: ${unknown.join(', ')}`);
    }
  });

  test('no production file imports across a boundary the parts table forbids, unless listed as a known break', () => {
    const unlisted = found.filter((violation) => !KNOWN_BREAKS.some((known) => covers(known, violation)));
    assert.deepEqual(unlisted.map(describeViolation), []);
  });

  test('every known break still happens: a fixed one leaves the list', () => {
    const stale = KNOWN_BREAKS.filter((known) => !found.some((violation) => covers(known, violation)));
    assert.deepEqual(
      stale.map((known) => `src/${known.file} → ${known.target}`),
      [],
    );
  });
});
