import { AsyncLocalStorage } from 'node:async_hooks';
import type { AdapterPayload } from 'oidc-provider';

/**
 * The model rows one OP request has read, kept while it runs: a code, a token or an interaction is read together with
 * the grant and the session it names, and oidc-provider's own look-ups of those (moments later, in the same request)
 * take them from here instead of asking the store again. A write of a model by the request forgets what it read of
 * that model. Nothing outlives the request: the next one reads the store afresh, as does every other process.
 */
const reads = new AsyncLocalStorage<Map<string, unknown>>();

/** Runs `handle` (one OP request, to its end) with its own rows read. */
export function withRequestReads<T>(handle: () => T): T {
  return reads.run(new Map(), handle);
}

type Column = 'id' | 'uid';

const keyOf = (model: string, column: Column, value: string) => `${model}\u0000${column}\u0000${value}`;

/** A row this request has read of `model` by `column`, if it has. */
export function readBefore(model: string, column: Column, value: string): AdapterPayload | undefined {
  return reads.getStore()?.get(keyOf(model, column, value)) as AdapterPayload | undefined;
}

/** Keeps something else read with a model row (a session's live subject): `kind` names what it is. */
export function rememberAlso(kind: string, key: string, value: unknown): void {
  reads.getStore()?.set(`\u0001${kind}\u0000${key}`, value);
}

/** What was kept by `rememberAlso`, taken: a second look-up in the request reads the store. */
export function takeAlso<T>(kind: string, key: string): T | undefined {
  const store = reads.getStore();
  const full = `\u0001${kind}\u0000${key}`;
  const value = store?.get(full) as T | undefined;
  store?.delete(full);
  return value;
}

/** Keeps a row read, under its id and (if it has one) its uid. */
export function rememberRead(model: string, id: string, uid: string | null, payload: AdapterPayload): void {
  const store = reads.getStore();
  if (!store) return;
  store.set(keyOf(model, 'id', id), payload);
  if (uid) store.set(keyOf(model, 'uid', uid), payload);
}

/** The request wrote rows of `model`: what it read of it no longer stands. */
export function forgetReads(model: string): void {
  const store = reads.getStore();
  if (!store) return;
  const prefix = `${model}\u0000`;
  for (const key of store.keys()) if (key.startsWith(prefix)) store.delete(key);
}
