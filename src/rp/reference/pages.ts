import type { Account } from '../accounts.ts';
import type { Session } from '../sessions.ts';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export function signedOutPage(): string {
  return page('Reference relying party', '<p>You are not signed in.</p><p><a href="/login">Sign in with your PIV credential</a></p>');
}

export function accountPage(account: Account, session: Session): string {
  const identifier = account.identifiers[0];
  const rows = Object.entries(account.attributes)
    .map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(String(value))}</td></tr>`)
    .join('');
  return page(
    'Reference relying party',
    [
      `<p>Signed in as <code id="sub">${escapeHtml(identifier?.sub ?? '')}</code> at <code id="iss">${escapeHtml(identifier?.iss ?? '')}</code>.</p>`,
      `<p>Account <code id="account">${escapeHtml(account.id)}</code>, home agency <code>${escapeHtml(account.homeAgency)}</code>, state <code id="state">${escapeHtml(account.state)}</code>.</p>`,
      `<table>${rows}</table>`,
      `<p>Authenticated at ${new Date(session.authTime * 1000).toISOString()}.</p>`,
      '<form method="post" action="/logout"><button>Sign out</button></form>',
    ].join(''),
  );
}

export function errorPage(code: string, message: string): string {
  return page('Sign-in refused', `<p><code id="code">${escapeHtml(code)}</code></p><p>${escapeHtml(message)}</p><p><a href="/">Back</a></p>`);
}
