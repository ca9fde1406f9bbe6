/**
 * The bound LDAP connection a connector shares between its calls. ldapts pipelines concurrent requests on
 * one socket (responses are matched by message id), but two calls that find the socket closed would each
 * open a new one and a dropped socket would be reopened without a bind. So each ldapts Client here lives for
 * exactly one socket: when it drops, the next call opens and binds a fresh Client, once for all callers.
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { Client, type ClientOptions } from 'ldapts';

export interface SessionOptions {
  readonly url: string;
  readonly bindDn: string;
  readonly bindPassword: string;
  readonly timeoutMs: number;
  readonly caFile?: string;
  /** Upgrade an ldap:// connection with StartTLS before binding. */
  readonly startTls?: boolean;
  /** The name the server certificate is checked against, when it is not the URL's host (a DC reached by address). */
  readonly tlsServerName?: string;
}

/** One socket per Client: a second connect attempt fails instead of running unbound. */
function singleUse<T extends typeof net.connect | typeof tls.connect>(connect: T): T {
  let used = false;
  return ((...args: Parameters<T>) => {
    if (used) throw new Error('the LDAP connection was closed');
    used = true;
    const socket = (connect as (...a: Parameters<T>) => net.Socket)(...args);
    socket.setKeepAlive(true, 60_000);
    return socket;
  }) as T;
}

export class LdapSession {
  readonly #options: SessionOptions;
  #shared: Client | null = null;
  #opening: Promise<Client> | null = null;

  constructor(options: SessionOptions) {
    this.#options = options;
  }

  /** The shared bound client, opened (once, whoever asks) when there is none or its socket dropped. */
  bound(): Promise<Client> {
    if (this.#shared?.isConnected) return Promise.resolve(this.#shared);
    this.#opening ??= this.open().then(
      (client) => {
        this.#shared = client;
        this.#opening = null;
        return client;
      },
      (error: unknown) => {
        this.#opening = null;
        throw error;
      },
    );
    return this.#opening;
  }

  /** A new bound client of the caller's own (a paged search holds its connection's paging state). */
  async open(): Promise<Client> {
    const client = new Client(await this.#clientOptions());
    try {
      if (this.#options.startTls && this.#options.url.startsWith('ldap:')) await client.startTLS(await this.#tlsOptions());
      await client.bind(this.#options.bindDn, this.#options.bindPassword);
    } catch (error) {
      await client.unbind().catch(() => {});
      throw error;
    }
    return client;
  }

  async close(): Promise<void> {
    const opening = this.#opening;
    const shared = this.#shared;
    this.#shared = null;
    await shared?.unbind().catch(() => {});
    const late = await opening?.catch(() => null);
    if (late) {
      this.#shared = null;
      await late.unbind().catch(() => {});
    }
  }

  async #clientOptions(): Promise<ClientOptions> {
    const { url, timeoutMs, caFile } = this.#options;
    const options: ClientOptions = {
      url,
      timeout: timeoutMs,
      connectTimeout: timeoutMs,
      createConnection: singleUse(net.connect),
      createSecureConnection: singleUse(tls.connect),
    };
    // ldapts treats any tlsOptions as a request for TLS, so set them for ldaps:// only
    if (url.startsWith('ldaps:') && (caFile || this.#options.tlsServerName)) options.tlsOptions = await this.#tlsOptions();
    return options;
  }

  async #tlsOptions(): Promise<tls.ConnectionOptions> {
    const { caFile, tlsServerName } = this.#options;
    return { ...(caFile ? { ca: await readFile(caFile) } : {}), ...(tlsServerName ? { servername: tlsServerName } : {}) };
  }
}

/** A few sessions to one directory server, handed out in turn, so a connector's calls spread over them. */
export class SessionRing {
  readonly #sessions: readonly LdapSession[];
  #turn = 0;

  constructor(count: number, options: SessionOptions) {
    this.#sessions = Array.from({ length: Math.max(1, count) }, () => new LdapSession(options));
  }

  /** The next session in turn. */
  next(): LdapSession {
    const session = this.#sessions[this.#turn % this.#sessions.length] as LdapSession;
    this.#turn = (this.#turn + 1) % this.#sessions.length;
    return session;
  }

  /** Runs one request on the next session's bound client; a failure becomes the connector's own error. */
  async call<T>(request: (client: Client) => Promise<T>, failed: (error: unknown) => Error): Promise<T> {
    try {
      return await request(await this.next().bound());
    } catch (error) {
      throw failed(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#sessions.map((s) => s.close()));
  }
}
