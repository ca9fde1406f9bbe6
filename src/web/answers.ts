import { isMusterError, MusterError } from '../core/errors.ts';
import type { ConsoleContext } from './env.ts';
import { messagePage, type OperatorView } from './pages.ts';

/**
 * A refusal of a service as a page: the MusterError's own message and status (a 4xx says what to change); anything
 * else goes on to the console's error handler.
 */
export async function answerRefusal<T>(
  c: ConsoleContext,
  operator: OperatorView,
  back: { href: string; text: string },
  work: () => Promise<T>,
  done: (result: T) => Response | Promise<Response>,
): Promise<Response> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    if (!isMusterError(error) || error.status >= 500) throw error;
    return c.html(messagePage('Refused', error.message, { operator, link: back }), error.status as 400);
  }
  return done(result);
}

/** A form field as text ('' when absent or a file). */
export async function formFields(c: ConsoleContext): Promise<(name: string) => string> {
  const body = await c.req.parseBody();
  return (name) => {
    const value = body[name];
    return typeof value === 'string' ? value : '';
  };
}

/** Every value of a form field (checkboxes send one per box ticked). */
export async function formValues(c: ConsoleContext): Promise<(name: string) => string[]> {
  const body = await c.req.parseBody({ all: true });
  return (name) => {
    const value = body[name];
    return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id from an address or a form, or the refusal naming it: 404 for a path's id (nothing is there), 400 for a form field. */
export function checkedId(value: string, field: string, where: 'path' | 'form' = 'path'): string {
  if (UUID.test(value)) return value;
  if (where === 'path') throw new MusterError('MUSTER_ERR_NOT_FOUND', `no ${field} ${value}`, [{ field, value, message: 'not found' }]);
  throw new MusterError('MUSTER_ERR_VALIDATION', `${field}: "${value}" is not an identity id`, [{ field, value, message: 'not an id' }]);
}
