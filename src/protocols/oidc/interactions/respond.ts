import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignInRefused } from './refusal.ts';

/** Scripts and styles only from the page's own origin; no frames, plugins or inline code. */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

const COMMON_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  send(res, status, 'text/html; charset=utf-8', html, { 'content-security-policy': CONTENT_SECURITY_POLICY });
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value));
}

export function sendAsset(res: ServerResponse, type: string, body: string): void {
  send(res, 200, type, body, { 'cache-control': 'public, max-age=3600' });
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { ...COMMON_HEADERS, location, 'content-length': '0' });
  res.end();
}

const MAX_BODY = 64 * 1024;

/** The request body as text, refused past 64 KiB. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_BODY) throw new SignInRefused('bad-request', 'the request is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON body, required to be sent as application/json (which a cross-site form cannot do). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new SignInRefused('bad-request', 'send the response as application/json');
  try {
    return JSON.parse(await readBody(req));
  } catch (error) {
    if (error instanceof SignInRefused) throw error;
    throw new SignInRefused('bad-request', 'the request body is not JSON');
  }
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) throw new SignInRefused('bad-request', 'send the form as application/x-www-form-urlencoded');
  return new URLSearchParams(await readBody(req));
}

/** A state-changing request must come from the issuer's own pages (when the browser says where it comes from). */
export function requireSameOrigin(req: IncomingMessage, origin: string): void {
  const from = req.headers.origin;
  if (from !== undefined && from !== origin) throw new SignInRefused('bad-request', 'the request came from another site');
}
