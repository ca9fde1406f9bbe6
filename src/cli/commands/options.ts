import { MusterError } from '../../core/errors.ts';

/** A commander argument parser for a non-negative integer flag; names the flag when refused. */
export function integer(flag: string): (value: string) => number {
  return (value) => {
    if (/^\d{1,15}$/.test(value)) return Number(value);
    throw new MusterError('MUSTER_ERR_VALIDATION', `--${flag} must be a non-negative integer`, [{ field: flag, value, message: 'not a non-negative integer' }]);
  };
}

/** A commander parser for an ISO 8601 date-time flag; names the flag when refused. */
export function isoDate(flag: string): (value: string) => Date {
  return (value) => {
    const date = new Date(value);
    if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(date.getTime())) return date;
    throw new MusterError('MUSTER_ERR_VALIDATION', `--${flag} must be an ISO 8601 date (e.g. 2030-06-30 or 2030-06-30T12:00:00Z)`, [{ field: flag, value, message: 'not an ISO 8601 date' }]);
  };
}
