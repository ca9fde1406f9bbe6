// A browser without a browser, for sign-ins through redirects: fetch with a cookie jar, redirects followed one
// by one across origins, and HTML forms submitted the way a browser would (hidden fields included).
// Cookies are kept per host name, not per port (RFC 6265: a cookie set by 127.0.0.1:8080 goes to 127.0.0.1:9090
// too); Domain widening and SameSite are not modelled (every request counts as same-site): what depends on
// them needs Chromium. Secure cookies go over https only, Path and expiry are honoured.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface BrowserResponse {
  /** The URL that answered (after redirects). */
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  /** Every URL visited to get here, the first request included. */
  readonly chain: readonly string[];
}

export interface BrowserRequest {
  readonly method?: string;
  /** A form body (sent as application/x-www-form-urlencoded) or raw text. */
  readonly form?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Follow redirects (default); false returns the 3xx itself. */
  readonly follow?: boolean;
  /** A redirect for which this returns true is not followed (e.g. the OP's login page, to stop there). */
  readonly stopAt?: (url: URL) => boolean;
  readonly maxRedirects?: number;
}

export interface HtmlForm {
  readonly action: string;
  readonly method: string;
  readonly fields: Record<string, string>;
}

interface Cookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
  readonly secure: boolean;
  readonly expires: number | null;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function defaultPath(url: URL): string {
  const path = url.pathname;
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function parseSetCookie(header: string, url: URL): Cookie | null {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return null;
  let path = defaultPath(url);
  let secure = false;
  let expires: number | null = null;
  let maxAge: number | null = null;
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = (at < 0 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? '' : attribute.slice(at + 1).trim();
    if (key === 'path' && value.startsWith('/')) path = value;
    else if (key === 'secure') secure = true;
    else if (key === 'max-age' && /^-?\d+$/.test(value)) maxAge = Number(value);
    else if (key === 'expires' && !Number.isNaN(Date.parse(value))) expires = Date.parse(value);
  }
  if (maxAge !== null) expires = Date.now() + maxAge * 1000;
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path, secure, expires };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') return String.fromCodePoint(entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

function attributesOf(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    const name = (match[1] as string).toLowerCase();
    if (!(name in attributes)) attributes[name] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

/**
 * The forms of an HTML page, with the fields a browser would submit without user input: inputs with a name and
 * a value (checkboxes and radios only when checked, no submit buttons) and textareas. Actions resolve against
 * the page's URL.
 */
export function parseForms(html: string, pageUrl: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi)) {
    const form = attributesOf(match[1] as string);
    const inner = match[2] as string;
    const fields: Record<string, string> = {};
    for (const input of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const attributes = attributesOf(input[1] as string);
      const type = (attributes.type ?? 'text').toLowerCase();
      if (!attributes.name || ['submit', 'button', 'image', 'reset', 'file'].includes(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && !('checked' in attributes)) continue;
      fields[attributes.name] = attributes.value ?? (type === 'checkbox' || type === 'radio' ? 'on' : '');
    }
    for (const area of inner.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea\s*>/gi)) {
      const attributes = attributesOf(area[1] as string);
      if (attributes.name) fields[attributes.name] = decodeEntities(area[2] as string);
    }
    forms.push({ action: new URL(form.action || pageUrl, pageUrl).href, method: (form.method || 'GET').toUpperCase(), fields });
  }
  return forms;
}

export interface BrowserFetchOptions {
  /** PEM CA certificates that https servers' certificates must chain to (a test CA); default Node's store. */
  readonly ca?: string | readonly string[];
}

/** A cookie-keeping client that walks redirects the way a browser does. */
export class BrowserFetch {
  readonly #jar = new Map<string, Map<string, Cookie>>();
  readonly #ca: string[] | undefined;

  constructor(options: BrowserFetchOptions = {}) {
    this.#ca = options.ca === undefined ? undefined : typeof options.ca === 'string' ? [options.ca] : [...options.ca];
  }

  #send(target: URL, method: string, headers: Headers, body: string | undefined): Promise<{ status: number; headers: Headers; body: string }> {
    const outgoing: Record<string, string> = Object.fromEntries(headers);
    if (body !== undefined) outgoing['content-length'] = String(Buffer.byteLength(body));
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') throw new Error(`cannot fetch ${target.href}`);
    return new Promise((resolve, reject) => {
      const options = { method, headers: outgoing, agent: false as const, ...(secure && this.#ca ? { ca: this.#ca } : {}) };
      const request = (secure ? httpsRequest : httpRequest)(target, options, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const received = new Headers();
          for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) received.append(response.rawHeaders[i] as string, response.rawHeaders[i + 1] as string);
          resolve({ status: response.statusCode ?? 0, headers: received, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  /** The cookies that would go with a request to `url`, by name. */
  cookiesFor(url: string | URL): Record<string, string> {
    const target = new URL(url);
    const now = Date.now();
    const found: Record<string, string> = {};
    const jar = this.#jar.get(target.hostname);
    if (!jar) return found;
    // longer paths first, as browsers send them
    const cookies = [...jar.values()].sort((a, b) => b.path.length - a.path.length);
    for (const cookie of cookies) {
      if (cookie.expires !== null && cookie.expires <= now) continue;
      if (cookie.secure && target.protocol !== 'https:') continue;
      if (!pathMatches(target.pathname, cookie.path)) continue;
      if (!(cookie.name in found)) found[cookie.name] = cookie.value;
    }
    return found;
  }

  /** Sets a cookie as if `url` had sent `setCookie` (a Set-Cookie header value). */
  setCookie(url: string | URL, setCookie: string): void {
    const target = new URL(url);
    const cookie = parseSetCookie(setCookie, target);
    if (!cookie) return;
    if (cookie.secure && target.protocol !== 'https:') return;
    const jar = this.#jar.get(target.hostname) ?? new Map<string, Cookie>();
    this.#jar.set(target.hostname, jar);
    const key = `${cookie.path}\n${cookie.name}`;
    if (cookie.expires !== null && cookie.expires <= Date.now()) jar.delete(key);
    else jar.set(key, cookie);
  }

  clearCookies(): void {
    this.#jar.clear();
  }

  async get(url: string | URL, request: Omit<BrowserRequest, 'method' | 'form' | 'body'> = {}): Promise<BrowserResponse> {
    return this.fetch(url, request);
  }

  /** Submits a form of `page` (the first one, or the one whose action contains `options.action`), with `fields` overriding. */
  async submit(
    page: BrowserResponse,
    fields: Readonly<Record<string, string>> = {},
    options: Omit<BrowserRequest, 'method' | 'form' | 'body'> & { readonly action?: string } = {},
  ): Promise<BrowserResponse> {
    const forms = parseForms(page.body, page.url);
    const form = options.action === undefined ? forms[0] : forms.find((candidate) => candidate.action.includes(options.action as string));
    if (!form) throw new Error(`no form${options.action ? ` with an action containing ${options.action}` : ''} on ${page.url} (${page.status}): ${page.body.slice(0, 500)}`);
    const values = { ...form.fields, ...fields };
    if (form.method === 'GET') {
      const target = new URL(form.action);
      target.search = new URLSearchParams(values).toString();
      return this.fetch(target, options);
    }
    // a browser names the page's origin on a form it POSTs (Fetch §3.1: the Origin header of a non-GET request)
    const headers = { origin: new URL(page.url).origin, ...options.headers };
    return this.fetch(form.action, { ...options, headers, method: form.method, form: values });
  }

  /** One request, then the redirects after it (unless told not to). */
  async fetch(url: string | URL, request: BrowserRequest = {}): Promise<BrowserResponse> {
    const chain: string[] = [];
    let target = new URL(url);
    let method = request.method ?? (request.form ? 'POST' : 'GET');
    let body: string | undefined = request.form ? new URLSearchParams(request.form).toString() : request.body;
    let contentType: string | undefined = request.form ? 'application/x-www-form-urlencoded' : undefined;
    const maxRedirects = request.maxRedirects ?? 20;
    for (;;) {
      chain.push(target.href);
      const headers = new Headers(request.headers);
      const cookies = Object.entries(this.cookiesFor(target));
      if (cookies.length > 0) headers.set('cookie', cookies.map(([name, value]) => `${name}=${value}`).join('; '));
      if (body !== undefined && contentType) headers.set('content-type', contentType);
      if (!headers.has('accept')) headers.set('accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
      // a top-level navigation, as mod_auth_openidc tells it from a script's request (which gets a 401, not a
      // redirect to the OP); Node's fetch would always say `Sec-Fetch-Mode: cors`, hence node:http below
      if (!headers.has('sec-fetch-mode')) headers.set('sec-fetch-mode', 'navigate');
      if (!headers.has('sec-fetch-dest')) headers.set('sec-fetch-dest', 'document');
      const response = await this.#send(target, method, headers, body);
      for (const setCookie of response.headers.getSetCookie()) this.setCookie(target, setCookie);
      const text = response.body;
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || location === null || request.follow === false) {
        return { url: target.href, status: response.status, headers: response.headers, body: text, chain };
      }
      const next = new URL(location, target);
      if (request.stopAt?.(next)) return { url: target.href, status: response.status, headers: response.headers, body: text, chain };
      if (chain.length > maxRedirects) throw new Error(`more than ${maxRedirects} redirects: ${chain.join(' -> ')}`);
      // 301/302/303 turn into a GET without a body, as browsers do; 307/308 repeat the request
      if (response.status !== 307 && response.status !== 308) {
        method = 'GET';
        body = undefined;
        contentType = undefined;
      }
      target = next;
    }
  }
}
