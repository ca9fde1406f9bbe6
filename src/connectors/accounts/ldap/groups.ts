/**
 * Group membership in groupOfNames entries. The schema requires at least one member, so every group this
 * connector creates carries the empty DN as a placeholder member (it names no entry; slapd's memberof overlay
 * and referential checks ignore it). It lets the last real member leave, and it never shows as a membership
 * because an account's groups are read from its own memberOf values.
 */
import { Attribute, Change } from 'ldapts';
import { GROUP_OBJECT_CLASSES } from './mapping.ts';

export const PLACEHOLDER_MEMBER = '';

export function newGroupAttributes(name: string, memberDn: string): Record<string, string[]> {
  return { objectClass: GROUP_OBJECT_CLASSES, cn: [name], member: [PLACEHOLDER_MEMBER, memberDn] };
}

export function memberChange(operation: 'add' | 'delete', memberDn: string | readonly string[]): Change {
  return new Change({ operation, modification: new Attribute({ type: 'member', values: typeof memberDn === 'string' ? [memberDn] : [...memberDn] }) });
}

/** For a group made elsewhere whose last member leaves: the placeholder takes its place in the same modify. */
export function lastMemberChanges(memberDn: string): Change[] {
  return [memberChange('add', PLACEHOLDER_MEMBER), memberChange('delete', memberDn)];
}
