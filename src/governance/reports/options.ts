import { MusterError } from '../../core/errors.ts';

const DAY_MS = 86_400_000;
/** The longest window a report takes: ten years. */
export const MAX_DAYS = 3650;

function refuse(field: string, value: string, message: string): MusterError {
  return new MusterError('MUSTER_ERR_VALIDATION', `${field}: ${message}`, [{ field, value, message }]);
}

/** A window in days: `30d`, `12w` or a bare number of days, 0..3650. */
export function parseDays(field: string, text: string): number {
  const match = /^(\d{1,5})([dw]?)$/.exec(text.trim());
  if (!match) throw refuse(field, text, 'give days as 30d, weeks as 4w, or a number of days');
  const days = Number(match[1]) * (match[2] === 'w' ? 7 : 1);
  if (days > MAX_DAYS) throw refuse(field, text, `at most ${MAX_DAYS} days`);
  return days;
}

/** A start time: an ISO 8601 time, or a window back from `now` (`30d`). */
export function parseSince(text: string, now: Date): Date {
  if (/^\d+[dw]?$/.test(text.trim())) return new Date(now.getTime() - parseDays('since', text) * DAY_MS);
  const at = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(at.getTime())) throw refuse('since', text, 'give an ISO 8601 time or a window such as 30d');
  return at;
}

/** YYYY-MM-DD of `at` in UTC. */
export function day(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * DAY_MS);
}
