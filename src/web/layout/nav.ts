import type { ConsoleRoles } from '../route.ts';

/** A page of the side navigation: its address, its label, and the roles its `consoleRoute` declares (none: a page of one's own, `selfConsoleRoute`, for every signed-in person). */
export interface NavEntry {
  readonly path: string;
  readonly label: string;
  readonly roles?: ConsoleRoles;
}

interface NavigableRoute {
  readonly method: string;
  readonly path: string;
  readonly roles?: ConsoleRoles;
  readonly nav?: string;
  readonly self?: boolean;
}

/** The navigation of the console: every GET page whose definition names a `nav` label, in the order defined. */
export function navEntriesOf(routes: readonly NavigableRoute[]): NavEntry[] {
  return routes
    .filter((r) => r.method === 'GET' && r.nav !== undefined && (r.roles !== undefined || r.self === true))
    .map((r) => ({ path: r.path, label: r.nav as string, ...(r.roles ? { roles: r.roles } : {}) }));
}

/** The entries an operator holding `roles` may open: the same check the page's guard makes. */
export function navFor(entries: readonly NavEntry[], roles: readonly string[]): NavEntry[] {
  return entries.filter((entry) => entry.roles === undefined || entry.roles.some((role) => roles.includes(role)));
}

/** Is `entry` the page at `path`, or the section it belongs to (`/console/identities` for `/console/identities/x`)? */
export function isCurrent(entry: NavEntry, path: string, entries: readonly NavEntry[]): boolean {
  if (entry.path === path) return true;
  if (entries.some((e) => e.path === path)) return false;
  const longest = entries.filter((e) => path.startsWith(`${e.path}/`)).sort((a, b) => b.path.length - a.path.length)[0];
  return longest === entry;
}
