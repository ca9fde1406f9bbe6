import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../store/store.ts';

const SETTING = 'oidc.cookie-keys';

/** The keys that sign the OP's cookies: made once, kept in `settings`, the same for every muster process. */
export async function cookieKeys(db: Queryable): Promise<string[]> {
  await db.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [SETTING, JSON.stringify([randomBytes(32).toString('base64url')])]);
  const [row] = await db.query<{ value: string[] }>('SELECT value FROM settings WHERE key = $1', [SETTING]);
  return row!.value;
}
