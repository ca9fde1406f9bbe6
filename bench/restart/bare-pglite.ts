// The peer of the restart benchmark: a bare Node process that opens the same PGlite folder, asks one query and exits.
import { PGlite } from '@electric-sql/pglite';

const db = await PGlite.create(process.argv[2] as string);
await db.query('SELECT 1');
await db.close();
