import type { Context } from 'hono';
import type { ConsoleOperator } from '../operators/console-sessions.ts';
import type { ConsoleSetup } from '../runtime/console.ts';
import type { ConsoleShell } from './layout/shell.ts';

/** Hono environment of the console: what its middleware hands to the pages. */
export type ConsoleEnv = {
  Variables: {
    /** Set by the main app's correlation middleware; the console makes one when it runs alone. */
    correlationId: string;
    /** The console's client at the OP and its sessions, once muster's OP is up. */
    console: ConsoleSetup;
    /** Set by the route guard of a `consoleRoute`: the operator of the session, with the roles held now. */
    operator: ConsoleOperator;
    /** Set by the console app: the navigation of every page, and how the shell names the operator. */
    shell: ConsoleShell;
  };
};

export type ConsoleContext = Context<ConsoleEnv>;

export function operatorOf(c: ConsoleContext): ConsoleOperator {
  const operator = c.get('operator');
  if (!operator) throw new Error(`no operator on ${c.req.method} ${c.req.path}: only consoleRoute pages are signed in`);
  return operator;
}
