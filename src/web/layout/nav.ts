import type { ConsoleRoles } from '../route.ts';

/** A page of the side navigation: its address, its label, and the roles its `consoleRoute` declares. */
export interface NavEntry {
  readonly path: string;
  readonly label: string;
  readonly roles: ConsoleRoles;
}

interface NavigableRoute {
  readonly method: string;
  readonly path: string;
  readonly roles?: ConsoleRoles;
  readonly nav?: string;
}

/** The navigation of the console: every GET page whose definition names a `nav` label, in the order defined. */
export function navEntriesOf(routes: readonly NavigableRoute[]): NavEntry[] {
  return routes.filter((r) => r.method === 'GET' && r.nav !== undefined && r.roles !== undefined).map((r) => ({ path: r.path, label: r.nav as string, roles: r.roles as ConsoleRoles }));
}

/** The entries an operator holding `roles` may open: the same check the page's guard makes. */
export function navFor(entries: readonly NavEntry[], roles: readonly string[]): NavEntry[] {
  return entries.filter((entry) => entry.roles.some((role) => roles.includes(role)));
}

/** Is `entry` the page at `path`, or the section it belongs to (`/console/identities` for `/console/identities/x`)? */
export function isCurrent(entry: NavEntry, path: string, entries: readonly NavEntry[]): boolean {
  if (entry.path === path) return true;
  if (entries.some((e) => e.path === path)) return false;
  const longest = entries.filter((e) => path.startsWith(`${e.path}/`)).sort((a, b) => b.path.length - a.path.length)[0];
  return longest === entry;
}
