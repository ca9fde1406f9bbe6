// Groups are entitlements: an entitlement's name is the Group's displayName.
import type { Json, ScimClient } from './client.ts';
import { directGroups, filterString } from './mapping.ts';
import { all } from './paging.ts';

export interface GroupRef {
  readonly id: string;
  readonly name: string;
}

function ref(group: Json): GroupRef {
  return { id: String(group.id), name: String(group.displayName ?? '') };
}

function sortedNames(groups: readonly GroupRef[]): string[] {
  return [...new Set(groups.map((g) => g.name))].sort();
}

/** The group with this displayName (the exact spelling first, as displayName eq ignores case), or null. */
export async function findGroup(client: ScimClient, name: string): Promise<GroupRef | null> {
  const { body } = await client.request('GET', '/Groups', { query: { filter: `displayName eq ${filterString(name)}`, attributes: 'displayName' } });
  const found = (Array.isArray(body?.Resources) ? (body.Resources as Json[]) : []).map(ref);
  return found.find((g) => g.name === name) ?? found.find((g) => g.name.toLowerCase() === name.toLowerCase()) ?? null;
}

export async function groupNames(client: ScimClient, pageSize: number): Promise<string[]> {
  return sortedNames((await all(client, '/Groups', { attributes: 'displayName' }, pageSize)).map(ref));
}

/** The groups that list `userId` as a member, asked of /Groups. */
export async function groupNamesOfMember(client: ScimClient, userId: string, pageSize: number): Promise<string[]> {
  const groups = await all(client, '/Groups', { filter: `members.value eq ${filterString(userId)}`, attributes: 'displayName' }, pageSize);
  return sortedNames(groups.map(ref));
}

/** Each user's group names, from one pass over every group with its members (for listing many users). */
export async function membershipDirectory(client: ScimClient, pageSize: number): Promise<Map<string, string[]>> {
  const directory = new Map<string, string[]>();
  for (const group of await all(client, '/Groups', { attributes: 'displayName,members' }, pageSize)) {
    for (const member of Array.isArray(group.members) ? (group.members as Json[]) : []) {
      const userId = String(member.value);
      directory.set(userId, [...(directory.get(userId) ?? []), String(group.displayName ?? '')]);
    }
  }
  for (const [userId, names] of directory) directory.set(userId, [...new Set(names)].sort());
  return directory;
}

/** The names a User's own `groups` attribute gives, asking for a group's name only where `display` is missing; null when the service leaves `groups` out. */
export async function namesFromUser(client: ScimClient, user: Json): Promise<string[] | null> {
  const listed = directGroups(user);
  if (listed === null) return null;
  const names = await Promise.all(
    listed.map(async (g) => g.name ?? String((await client.request('GET', `/Groups/${encodeURIComponent(g.id)}`, { query: { attributes: 'displayName' } })).body?.displayName ?? '')),
  );
  return [...new Set(names)].sort();
}
