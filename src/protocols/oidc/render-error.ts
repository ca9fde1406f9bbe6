import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The OP's error page for errors it cannot send back to a relying party: the protocol error and its description,
 * nothing else (no stack, no internal message; oidc-provider already replaces a server error's description).
 */
export function renderError(ctx: KoaContextWithOIDC, out: ErrorOut, _error: Error): void {
  ctx.type = 'html';
  ctx.set('cache-control', 'no-store');
  const description = out.error === 'server_error' ? 'The sign-in service could not complete the request.' : (out.error_description ?? '');
  ctx.body = errorPage(out.error, description);
}

/** The error page's markup: the protocol error and its description. */
export function errorPage(error: string, description: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body><h1>Sign-in error</h1><p><code>${escapeHtml(error)}</code></p><p>${escapeHtml(description)}</p></body></html>`;
}
