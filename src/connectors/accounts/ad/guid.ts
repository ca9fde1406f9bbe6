/**
 * An Active Directory account's id is its objectGUID, written as the `<GUID=…>` DN form AD accepts wherever a DN
 * goes (a search base, a modify, a member value): it survives moves between OUs and renames, which change the DN.
 */

/** The 16 bytes of an objectGUID in the string form AD prints (the first three fields little-endian). */
export function guidString(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError(`an objectGUID has 16 bytes, not ${bytes.length}`);
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = Buffer.from(bytes.subarray(from, to));
    return (reverse ? part.reverse() : part).toString('hex');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-');
}

const GUID = /^<GUID=([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})>$/i;

export function guidId(guid: string): string {
  return `<GUID=${guid.toLowerCase()}>`;
}

/** The GUID in an account id, or null when the id is not one of this connector's. */
export function guidOf(id: string): string | null {
  return GUID.exec(id)?.[1]?.toLowerCase() ?? null;
}
