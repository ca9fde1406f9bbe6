/** The web console: operators sign in through muster's own OpenID Provider; pages name the roles that may open them. */
export { CONSOLE_CSP, consoleApp, type ConsoleAppOptions } from './app.ts';
export { consoleRoute, openConsoleRoute, type ConsoleRoute, type ConsoleRouteConfig, type ConsoleRoles } from './route.ts';
export { operatorOf, type ConsoleContext, type ConsoleEnv } from './env.ts';
export { SESSION_COOKIE, SIGN_IN_COOKIE } from './cookies.ts';
