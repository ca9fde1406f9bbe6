// Creates an embedded cluster in the folder given, then exits (see pglite-create.ts).
import { PGlite } from '@electric-sql/pglite';

const db = new PGlite(process.argv[2] as string);
await db.waitReady;
await db.close();
