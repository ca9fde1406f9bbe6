// Test support (not part of muster/rp): a browser made of fetch and a cookie jar, which follows
// redirects by hand so that every hop keeps its cookies.

export interface BrowserResponse {
  readonly status: number;
  readonly url: string;
  readonly location?: string;
  readonly body: string;
}

type Fetcher = (url: string, init: { method: string; body?: string; headers: Record<string, string> }) => Promise<Response>;

export class TestBrowser {
  readonly #jar = new Map<string, Map<string, string>>();
  readonly #fetch: Fetcher;

  /** `fetcher`: e.g. tlsFetch({ ca, cert, key }) for a browser that trusts a CA and presents a certificate. */
  constructor(fetcher?: Fetcher) {
    this.#fetch = fetcher ?? ((url, init) => fetch(url, { ...init, redirect: 'manual' }));
  }

  /** GETs the URL and follows redirects, stopping early at a URL that starts with `stopAt`. */
  async open(url: string, stopAt?: string): Promise<BrowserResponse> {
    let current = url;
    for (let hop = 0; hop < 20; hop++) {
      if (stopAt && hop > 0 && current.startsWith(stopAt)) return { status: 0, url: current, body: '' };
      const response = await this.send(current, { method: 'GET' });
      if (!response.location) return response;
      current = new URL(response.location, current).href;
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** One request, no redirects followed. */
  async send(url: string, init: { method: string; body?: string; headers?: Record<string, string> }): Promise<BrowserResponse> {
    const origin = new URL(url).origin;
    const cookies = [...(this.#jar.get(origin) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await this.#fetch(url, { ...init, headers: { ...init.headers, ...(cookies ? { cookie: cookies } : {}) } });
    this.#keep(origin, response.headers.getSetCookie());
    const location = response.headers.get('location');
    return { status: response.status, url, body: await response.text(), ...(location ? { location } : {}) };
  }

  forget(origin: string): void {
    this.#jar.delete(origin);
  }

  #keep(origin: string, setCookies: string[]): void {
    const jar = this.#jar.get(origin) ?? new Map<string, string>();
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1] ?? '') < Date.now()));
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(at + 1).trim());
    }
    this.#jar.set(origin, jar);
  }
}
