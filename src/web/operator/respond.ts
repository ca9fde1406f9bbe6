import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { MusterError } from '../../core/errors.ts';
import type { ConsoleContext } from '../env.ts';
import { render } from '../layout/shell.ts';

/** What a page answers when a service refuses: the refusal's message in the shell, with a status that says what kind. */
const STATUS_OF: Readonly<Record<string, ContentfulStatusCode>> = {
  MUSTER_ERR_NOT_FOUND: 404,
  MUSTER_ERR_VALIDATION: 400,
};

export async function refusal(c: ConsoleContext, error: unknown, back?: { href: string; text: string }): Promise<Response> {
  if (!(error instanceof MusterError)) throw error;
  const status = STATUS_OF[error.code] ?? 409;
  const link = back ? html`<p><a href="${back.href}">${back.text}</a></p>` : '';
  return render(
    c,
    status === 404 ? 'Not found' : 'Refused',
    html`<div class="usa-alert usa-alert--error" role="alert"><div class="usa-alert__body"><p class="usa-alert__text" id="message">${error.message}</p></div></div>${link}`,
    status,
  );
}

/** The text of one field of a posted form, trimmed ('' when absent). */
export async function formField(c: ConsoleContext, name: string): Promise<string> {
  const body = await c.req.parseBody();
  const value = body[name];
  return typeof value === 'string' ? value.trim() : '';
}
