/** The difference between two versions of a trust agreement's document, field by field (JSON paths). */

export interface FieldChange {
  readonly path: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
  readonly change: 'added' | 'removed' | 'changed';
}

/** Every leaf of a JSON value under its path: `relyingParties[0].clientId` → `"benefits"`. */
export function leaves(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(path, '[]');
    value.forEach((item, i) => leaves(item, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) out.set(path, '{}');
    for (const [key, item] of entries) leaves(item, path ? `${path}.${key}` : key, out);
  } else {
    out.set(path, JSON.stringify(value));
  }
  return out;
}

export function diffDocuments(before: unknown, after: unknown): FieldChange[] {
  const a = leaves(before);
  const b = leaves(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const changes: FieldChange[] = [];
  for (const path of paths) {
    const was = a.get(path);
    const now = b.get(path);
    if (was === now) continue;
    changes.push({ path, before: was, after: now, change: was === undefined ? 'added' : now === undefined ? 'removed' : 'changed' });
  }
  return changes;
}
