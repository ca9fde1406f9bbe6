import { builtinModules } from 'node:module';
import { basename, dirname, relative, resolve } from 'node:path';
import type { ImportSite } from './imports.ts';
import { isWebFramework, PARTS, type PartRule } from './parts.ts';

/** One import that breaks a rule: `file` and `target` are relative to src/ (a package by its name). */
export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly rule: string;
}

const LAYER: Readonly<Record<string, number>> = {
  core: 0,
  config: 1,
  store: 1,
  queue: 2,
  protocols: 4,
  runtime: 5,
  http: 6,
  cli: 6,
  web: 6,
  'index.ts': 7,
};

export function partOf(pathInSrc: string): string {
  const [first = ''] = pathInSrc.split('/');
  return first;
}

export function isTestFile(pathInSrc: string): boolean {
  const name = basename(pathInSrc);
  return name.endsWith('.test.ts') || name.startsWith('test-');
}

function packageName(specifier: string): string {
  if (specifier.startsWith('node:')) return specifier;
  if (builtinModules.includes(specifier)) return `node:${specifier}`;
  const [scope = '', name = ''] = specifier.split('/');
  return scope.startsWith('@') ? `${scope}/${name}` : scope;
}

function layerOf(part: string): number {
  return LAYER[part] ?? 3;
}

function partRuleBroken(from: string, to: string): string {
  if (from === 'core') return 'core/ imports nothing of the others';
  if (from === 'rp') return 'rp/ imports nothing of the server: it ships alone';
  if (from === 'connectors' && to === 'store') return 'a connector never reaches into the store';
  if (layerOf(to) > layerOf(from)) return 'the arrows point one way: faces → protocols → services → store → core';
  return `${from}/ may use only ${PARTS[from]?.uses.join(', ') || 'itself'}`;
}

function packageRuleBroken(from: string, rule: PartRule, name: string): string | undefined {
  if (rule.packagesOnly !== undefined && !rule.packagesOnly.includes(name)) return `${from}/ is pure, no I/O: it may import only ${rule.packagesOnly.join(', ')}`;
  if (rule.packagesNever?.includes(name)) return `${from}/ never imports ${name}: a connector never reaches into the store`;
  if (isWebFramework(name) && rule.face !== true) return 'protocol engines and services are framework-free: the web framework lives in the faces';
  return undefined;
}

function localRuleBroken(from: string, rule: PartRule, target: string, site: ImportSite): string | undefined {
  const to = target.startsWith('../') ? target.slice(3) : partOf(target);
  if (target.startsWith('../test/')) return 'production files never import test support';
  if (isTestFile(target)) return 'production files never import tests or test support';
  if (to === from) return undefined;
  if (!rule.uses.includes(to)) return target.startsWith('../') ? 'production files import nothing outside src/' : partRuleBroken(from, to);
  if (rule.typesOnly?.includes(to) && !site.typeOnly) return `${from}/ has no business logic: it takes only types from ${to}/`;
  const ports = rule.through?.[to];
  if (ports !== undefined && !ports.includes(target)) return `${from}/ uses ${to}/ only through its port (${ports.join(', ')})`;
  return undefined;
}

/** The rule a production file's import breaks, if any. `file` is relative to `srcRoot`. */
export function check(srcRoot: string, file: string, site: ImportSite): Violation | undefined {
  const from = partOf(file);
  const rule = PARTS[from];
  if (rule === undefined) return { file, line: site.line, target: from, rule: `src/${from} has no entry in the parts table` };
  if (site.specifier.startsWith('.')) {
    const target = relative(srcRoot, resolve(srcRoot, dirname(file), site.specifier));
    const broken = localRuleBroken(from, rule, target, site);
    return broken === undefined ? undefined : { file, line: site.line, target, rule: broken };
  }
  const name = packageName(site.specifier);
  const broken = packageRuleBroken(from, rule, name);
  return broken === undefined ? undefined : { file, line: site.line, target: name, rule: broken };
}
