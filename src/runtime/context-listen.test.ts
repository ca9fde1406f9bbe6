import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { loadConfig } from '../config/load.ts';
import type { ChangeListener, Store, Unlisten } from '../store/store.ts';
import { pgliteFactory } from '../../test/support/stores.ts';
import { type Muster, startMuster } from './context.ts';

/** A store that says it has several connections and counts the channels it is asked to listen to. */
function listeningStore(store: Store, heard: string[]): Store {
  const listen = async (channel: string, _listener: ChangeListener): Promise<Unlisten> => {
    heard.push(channel);
    return async () => {};
  };
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'capabilities') return { ...target.capabilities, multipleConnections: true };
      if (key === 'listen') return listen;
      return Reflect.get(target, key, receiver);
    },
  });
}

const started: Muster[] = [];
after(async () => {
  for (const muster of started) await muster.close();
});

async function channelsListenedBy(options: { watchAgreements?: boolean }): Promise<string[]> {
  const heard: string[] = [];
  const store = listeningStore(await pgliteFactory.open(), heard);
  const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:' } });
  started.push(await startMuster(config, { store, clock: new ManualClock('2026-03-02T09:00:00Z'), ...options }));
  return heard;
}

it('a started muster listens for agreement changes; a one-shot command (watchAgreements: false) holds no listening connection', async () => {
  assert.deepEqual(await channelsListenedBy({}), ['muster_agreements']);
  assert.deepEqual(await channelsListenedBy({ watchAgreements: false }), []);
});
