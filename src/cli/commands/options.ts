import { MusterError } from '../../core/errors.ts';

/** A commander argument parser for a non-negative integer flag; names the flag when refused. */
export function integer(flag: string): (value: string) => number {
  return (value) => {
    if (/^\d{1,15}$/.test(value)) return Number(value);
    throw new MusterError('MUSTER_ERR_VALIDATION', `--${flag} must be a non-negative integer`, [{ field: flag, value, message: 'not a non-negative integer' }]);
  };
}
