import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientAddressOfRequest } from '../forwarded.ts';
import { type RefusalDeps, auditRefusal, boundedText } from './refusals.ts';
import { errorPage } from './render-error.ts';

/**
 * What muster checks before oidc-provider sees a request. No parameter may carry a NUL character: no protocol value
 * needs one, and PostgreSQL text cannot hold one. The authorization endpoint also takes its request as a form-encoded
 * POST (OpenID Connect Core §3.1.2.1): it answers 303 with the same request as a GET, so that the browser brings the
 * OP's session cookie (SameSite=Lax, not sent on another site's POST) and an existing sign-in is reused.
 */

/** The largest POSTed authorization request taken: what a GET's URL carries safely. */
export const MAX_AUTHORIZATION_FORM_BYTES = 8192;
const FORM_TYPE = 'application/x-www-form-urlencoded';
const SHOWN = 60;

/** A request refused before oidc-provider: always `invalid_request`. */
export class BadRequest extends Error {
  readonly status: number;
  readonly clientId: string | undefined;

  constructor(status: number, description: string, clientId?: string) {
    super(description);
    this.status = status;
    this.clientId = clientId;
  }
}

/** A value from the request as the audit log and the error page may show it: control characters replaced, cut short. */
const shown = (value: string): string => boundedText(value, SHOWN);

/** Refuses parameters that carry a NUL character, in their names or values. */
export function checkParameters(params: URLSearchParams): void {
  for (const [name, value] of params) {
    if (!name.includes('\u0000') && !value.includes('\u0000')) continue;
    const clientId = params.get('client_id') ?? undefined;
    throw new BadRequest(400, `parameter ${shown(name)} contains a NUL character`, clientId === undefined ? undefined : shown(clientId));
  }
}

function queryOf(req: IncomingMessage): URLSearchParams {
  const url = req.url ?? '/';
  const at = url.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : url.slice(at + 1));
}

/** Checks the query string of any request to the OP. */
export function checkQuery(req: IncomingMessage): void {
  checkParameters(queryOf(req));
}

async function readForm(req: IncomingMessage): Promise<string> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== FORM_TYPE) throw new BadRequest(400, `a POSTed authorization request must be ${FORM_TYPE}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_AUTHORIZATION_FORM_BYTES) throw new BadRequest(413, `a POSTed authorization request is limited to ${MAX_AUTHORIZATION_FORM_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The authorization endpoint's form, checked, as the path and query of the same request made with GET. */
export async function authorizationGetOf(req: IncomingMessage, endpointPath: string): Promise<string> {
  const params = new URLSearchParams(await readForm(req));
  checkParameters(params);
  return `${endpointPath}?${params.toString()}`;
}

/** Answers a refusal (an error page where a browser is sent, JSON elsewhere), audited as `oidc.refused`. */
export async function refuse(
  res: ServerResponse,
  error: BadRequest,
  how: { readonly page: boolean; readonly audit?: RefusalDeps; readonly route: string; readonly onError?: (error: unknown) => void },
): Promise<void> {
  if (how.audit) {
    const refusal = { clientId: error.clientId, reason: `${how.route}.error`, error: 'invalid_request', description: error.message };
    const req = res.req;
    const origin = req ? { address: clientAddressOfRequest(req), method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '' } : undefined;
    await auditRefusal(how.audit, refusal, `oidc-${how.route}.error`, origin).catch((failure: unknown) => how.onError?.(failure));
  }
  if (res.headersSent) return;
  if (how.page) {
    res.writeHead(error.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(errorPage('invalid_request', error.message));
    return;
  }
  res.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify({ error: 'invalid_request', error_description: error.message }));
}
