/** Calendar days as integers (days since 1970-01-01, UTC) and their YYYY-MM-DD form. */
const MS_PER_DAY = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const cache = new Map<number, string>();

/** The day number of a YYYY-MM-DD date, or undefined when it is not a real calendar date. */
export function parseDay(text: string): number | undefined {
  const match = DATE_PATTERN.exec(text);
  if (!match) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const day = ms / MS_PER_DAY;
  return formatDay(day) === text ? day : undefined;
}

/** YYYY-MM-DD for a day number; memoised because the generator formats the same days often. */
export function formatDay(day: number): string {
  let text = cache.get(day);
  if (text === undefined) {
    text = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    if (cache.size < 100_000) cache.set(day, text);
  }
  return text;
}
