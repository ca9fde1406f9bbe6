import pg from 'pg';
import type { ChangeListener, Unlisten } from '../store.ts';

/** How long after a lost listening connection the next attempt is made. */
const RETRY_MS = 1000;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Listens to a notification channel on a connection of its own (a pooled connection would lose its LISTEN when it goes
 * back). A lost connection is replaced; the listener hears when it is not listening (and may then miss notifications)
 * and when it listens again.
 */
export async function listenOn(url: string, channel: string, listener: ChangeListener): Promise<Unlisten> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new TypeError(`not a notification channel name: ${channel}`);
  let current: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (closed) return;
    retry = setTimeout(() => void connect(), RETRY_MS);
    retry.unref();
  };
  const lost = (client: pg.Client) => {
    if (current !== client) return;
    current = undefined;
    listener.listening(false);
    client.end().catch(() => {});
    schedule();
  };
  const connect = async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on('error', () => lost(client));
    client.on('end', () => lost(client));
    client.on('notification', (n) => {
      if (n.channel === channel) listener.notified(n.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch {
      client.end().catch(() => {});
      schedule();
      return;
    }
    if (closed) {
      await client.end().catch(() => {});
      return;
    }
    current = client;
    // a watcher in the background: it never keeps a process alive by itself (pg has no unref of its own)
    (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    listener.listening(true);
  };
  await connect();
  return async () => {
    closed = true;
    clearTimeout(retry);
    const client = current;
    current = undefined;
    await client?.end().catch(() => {});
  };
}
