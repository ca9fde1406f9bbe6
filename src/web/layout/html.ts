import type { HtmlEscapedString } from 'hono/utils/html';

/** What the console's templates make: Hono's `html` escapes every value put into it; only templates nest unescaped. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;
