/**
 * What one OP request loads once and its steps share (oidc-provider's prompt checks, findAccount, the claims): kept
 * on the request's own state (Koa's `ctx.state`), so it lives exactly as long as the request.
 */
type Stateful = { state?: Record<PropertyKey, unknown> };

/** The value under `key` and `subKey` for this request, loaded by `load` on first use. */
export function oncePerRequest<T>(ctx: object, key: symbol, subKey: string, load: () => Promise<T>): Promise<T> {
  const holder = ctx as Stateful;
  holder.state ??= {};
  const table = (holder.state[key] ??= new Map<string, Promise<T>>()) as Map<string, Promise<T>>;
  const known = table.get(subKey);
  if (known) return known;
  const loading = load();
  table.set(subKey, loading);
  return loading;
}
