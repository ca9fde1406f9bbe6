import { NameConstraints, SubjectAlternativeName, type GeneralName, type GeneralSubtree } from '@peculiar/asn1-x509';
import { dnWithin, emailAttributes } from './names.ts';
import { getExtension, type ParsedCert } from './parsed.ts';

/**
 * Name constraints state (RFC 5280 §6.1.2 (b), (c)). Instead of intersecting permitted subtrees we keep
 * every certificate's permitted set: a name must fall in at least one subtree of its form in each set.
 * Only directoryName and rfc822Name are checked; other forms fail closed when constrained.
 */
export interface NameConstraintState {
  readonly permitted: GeneralSubtree[][];
  readonly excluded: GeneralSubtree[];
}

type Form = 'dn' | 'email' | 'other';

function formOf(name: GeneralName): Form {
  if (name.directoryName) return 'dn';
  if (name.rfc822Name !== undefined) return 'email';
  return 'other';
}

function emailMatches(address: string, constraint: string): boolean {
  const at = address.lastIndexOf('@');
  const host = address.slice(at + 1).toLowerCase();
  const c = constraint.toLowerCase();
  if (c.includes('@')) return address.slice(0, at) === constraint.slice(0, constraint.lastIndexOf('@')) && host === c.slice(c.lastIndexOf('@') + 1);
  if (c.startsWith('.')) return host.endsWith(c);
  return host === c;
}

function matches(name: GeneralName, base: GeneralName): boolean {
  if (name.directoryName && base.directoryName) return dnWithin(name.directoryName, base.directoryName);
  if (name.rfc822Name !== undefined && base.rfc822Name !== undefined) return emailMatches(name.rfc822Name, base.rfc822Name);
  return false;
}

function checkName(state: NameConstraintState, name: GeneralName): string | undefined {
  const form = formOf(name);
  const constrained = [...state.excluded, ...state.permitted.flat()].some((s) => formOf(s.base) === form);
  if (form === 'other') return constrained ? 'unsupported name form under name constraints' : undefined;
  if (state.excluded.some((s) => matches(name, s.base))) return 'name is in an excluded subtree';
  for (const set of state.permitted) {
    const ofForm = set.filter((s) => formOf(s.base) === form);
    if (ofForm.length > 0 && !ofForm.some((s) => matches(name, s.base))) return 'name is outside the permitted subtrees';
  }
  return undefined;
}

function namesOf(cert: ParsedCert): GeneralName[] {
  const names: GeneralName[] = [];
  if (cert.tbs.subject.length > 0) names.push({ directoryName: cert.tbs.subject } as GeneralName);
  for (const email of emailAttributes(cert.tbs.subject)) names.push({ rfc822Name: email } as GeneralName);
  names.push(...(getExtension(cert, '2.5.29.17', SubjectAlternativeName) ?? []));
  return names;
}

/** §6.1.3 (b), (c): the subject and alternative names must satisfy the constraints so far. */
export function checkNameConstraints(state: NameConstraintState, cert: ParsedCert): string | undefined {
  for (const name of namesOf(cert)) {
    const reason = checkName(state, name);
    if (reason) return reason;
  }
  return undefined;
}

/** §6.1.4 (g): add this CA certificate's constraints. */
export function addNameConstraints(state: NameConstraintState, cert: ParsedCert): NameConstraintState {
  const nc = getExtension(cert, '2.5.29.30', NameConstraints);
  if (!nc) return state;
  const permitted = nc.permittedSubtrees ? [...state.permitted, [...nc.permittedSubtrees]] : state.permitted;
  return { permitted, excluded: [...state.excluded, ...(nc.excludedSubtrees ?? [])] };
}
