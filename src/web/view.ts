import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ConsoleContext } from './env.ts';
import type { Html } from './layout/html.ts';
import { render } from './layout/shell.ts';

export type { Html };

/** A page's title and body, put in the console's shell (header, side navigation, footer) when it is answered. */
export interface View {
  readonly title: string;
  readonly body: Html;
}

export function view(title: string, body: Html): View {
  return { title, body };
}

/** Answers with the view in the shell of the signed-in person of this request. */
export function show(c: ConsoleContext, page: View, status: ContentfulStatusCode = 200): Promise<Response> {
  return render(c, page.title, page.body, status);
}
