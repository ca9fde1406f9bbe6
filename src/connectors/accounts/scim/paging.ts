import type { Json, ScimClient } from './client.ts';

function resources(body: Json | null): Json[] {
  const found = body?.Resources;
  return Array.isArray(found) ? found.filter((r): r is Json => typeof r === 'object' && r !== null) : [];
}

/**
 * Every resource of a list query, a page at a time (RFC 7644 §3.4.2.4: 1-based startIndex and count).
 * It stops when totalResults is reached, or on a short page when the service gives no total; a service
 * that answers more than asked is cut into pages of pageSize, and one that answers less is asked on.
 */
export async function* pages(client: ScimClient, path: string, query: Readonly<Record<string, string>>, pageSize: number): AsyncGenerator<Json[]> {
  let startIndex = 1;
  for (;;) {
    const { body } = await client.request('GET', path, { query: { ...query, startIndex, count: pageSize } });
    const found = resources(body);
    for (let i = 0; i < found.length; i += pageSize) yield found.slice(i, i + pageSize);
    startIndex += found.length;
    const total = typeof body?.totalResults === 'number' ? body.totalResults : null;
    if (found.length === 0 || (total === null ? found.length < pageSize : startIndex > total)) return;
  }
}

/** Every resource of a list query at once. */
export async function all(client: ScimClient, path: string, query: Readonly<Record<string, string>>, pageSize: number): Promise<Json[]> {
  const found: Json[] = [];
  for await (const page of pages(client, path, query, pageSize)) found.push(...page);
  return found;
}
